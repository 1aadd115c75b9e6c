// Elasticsearch: log storage, its private CA, its users and index templates.
export { Elasticsearch, GRAFANA_READER_CREDENTIALS, READER_CREDENTIALS_SECRET } from "./elasticsearch";
export { ELASTICSEARCH_IMAGE, ELASTIC_STACK_VERSION } from "../../images";
export { ELASTICSEARCH_CREDENTIALS, FILE_REALM_FILES, FILE_REALM_SECRET, credentialsMount, elasticImageUidReason } from "./elasticsearchConfig";
export { FILE_REALM_USERS, curlUserConfig, fileRolesYaml, usersFile, usersRolesFile } from "./fileRealm";
export { CERT_FILES, CERT_SECRETS, type CertificateAuthority, declareKibanaCert } from "./certs";
export { DAILY_SUFFIX, GRAFANA_READER, INDEX_FAMILIES, KIBANA_SETUP, LOG_FIELDS, READER, WRITER, elasticsearchSetupRequests, indexPattern } from "./setup";
