// Kibana: log search on the secured Elasticsearch.
export { Kibana } from "./kibana";
export { KIBANA_IMAGE, kibanaSecretSettings } from "./kibanaConfig";
