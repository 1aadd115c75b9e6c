// Elasticsearch: log storage, its private CA, its users and index templates.
export { ELASTICSEARCH_CREDENTIALS, ELASTICSEARCH_IMAGE, ELASTIC_STACK_VERSION, Elasticsearch, credentialsMount, elasticImageUidReason } from "./elasticsearch";
export { CERT_FILES, CERT_SECRETS, type CertificateAuthority, declareKibanaCert } from "./certs";
export { DAILY_SUFFIX, INDEX_FAMILIES, KIBANA_SETUP, WRITER, elasticsearchSetupRequests, indexPattern } from "./setup";
