// Elasticsearch: log storage, its private CA, its users and index templates.
export { Elasticsearch } from "./elasticsearch";
export { ELASTICSEARCH_CREDENTIALS, ELASTICSEARCH_IMAGE, ELASTIC_STACK_VERSION, credentialsMount, elasticImageUidReason } from "./elasticsearchConfig";
export { CERT_FILES, CERT_SECRETS, type CertificateAuthority, declareKibanaCert } from "./certs";
export { DAILY_SUFFIX, INDEX_FAMILIES, KIBANA_SETUP, WRITER, elasticsearchSetupRequests, indexPattern } from "./setup";
