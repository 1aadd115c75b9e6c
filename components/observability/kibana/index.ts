// Kibana: log search on the secured Elasticsearch.
export { KIBANA_IMAGE, Kibana, kibanaSecretSettings } from "./kibana";
