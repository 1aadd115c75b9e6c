// Kibana: log search on the secured Elasticsearch.
export { Kibana } from "./kibana";
export { kibanaSecretSettings } from "./kibanaConfig";
export { KIBANA_IMAGE } from "../../images";
