import type { estypes } from "@elastic/elasticsearch";
import type * as pulumi from "@pulumi/pulumi";
import type { SetupRequest } from "../setupJob";

/**
 * A request's body as Elasticsearch's own request specification types it (the client's `estypes`, generated
 * from the specification): the request type without what travels in the path and the query string. A
 * misspelt or misplaced key is then a compile error here, not a 400 from the setup Job at deploy time. The
 * client is a type-only, development dependency: nothing of it is bundled or loaded at run time.
 */
type Body<Request extends estypes.RequestBase, PathAndQuery extends keyof Request> = Omit<Request, keyof estypes.RequestBase | PathAndQuery>;
type IlmPolicyBody = Body<estypes.IlmPutLifecycleRequest, "name" | "master_timeout" | "timeout">;
type IndexTemplateBody = Body<estypes.IndicesPutIndexTemplateRequest, "name" | "create" | "master_timeout" | "cause">;
type RoleBody = Body<estypes.SecurityPutRoleRequest, "name" | "refresh">;
type UserBody = Body<estypes.SecurityPutUserRequest, "username" | "refresh">;
type PasswordBody = Body<estypes.SecurityChangePasswordRequest, "username" | "refresh">;

/** Index families the aggregator writes (one data stream per family and day) and the setup prepares. */
export const INDEX_FAMILIES = { logs: "app-logs", errors: "app-errors" } as const;
export const DAILY_SUFFIX = "%Y-%m-%d";
const ILM_POLICY = "app-logs-retention";
export const WRITER = { user: "vector-writer", role: "vector-writer" } as const;
// Exactly what writing into a data stream that may not exist yet needs; no read, no delete, no cluster privilege.
const WRITER_INDEX_PRIVILEGES = ["create_doc", "create_index", "auto_configure"];
const ROLLOVER = { maxPrimaryShardSize: "10gb", maxAge: "1d" } as const;

export function indexPattern(family: string): string {
  return `${family}-*`;
}

/** Roll over at 10 GB or one day, whichever comes first; delete N days after rollover. */
function ilmPolicy(deleteAfterDays: number): IlmPolicyBody {
  return {
    policy: {
      phases: {
        hot: { actions: { rollover: { max_primary_shard_size: ROLLOVER.maxPrimaryShardSize, max_age: ROLLOVER.maxAge } } },
        delete: { min_age: `${deleteAfterDays}d`, actions: { delete: {} } },
      },
    },
  };
}

/**
 * The mapped fields a log reader queries by name: the app's time field (its logger's `timestamp`), the line's
 * message (the logger's messageKey, `event`), its level, and the trace it belongs to.
 */
export const LOG_FIELDS = { time: "timestamp", message: "event", level: "level", traceId: "trace_id" } as const;

/**
 * A data-stream template: the first write to `app-logs-2026-11-22` creates that data stream, rolled over
 * and deleted by the ILM policy. `timestamp` (the app's field, Kibana's time field) and `@timestamp` (what
 * data streams require) are both dates.
 */
function indexTemplate(family: string, nodes: number): IndexTemplateBody {
  const keyword = { type: "keyword" } as const;
  return {
    index_patterns: [indexPattern(family)],
    data_stream: {},
    // Above the built-in logs-*-* template (100), should a future pattern overlap it.
    priority: 200,
    template: {
      settings: {
        "index.lifecycle.name": ILM_POLICY,
        "index.number_of_shards": 1,
        // One replica when there is a second node to hold it; a single node would stay yellow forever.
        "index.number_of_replicas": nodes > 1 ? 1 : 0,
      },
      mappings: {
        properties: {
          "@timestamp": { type: "date" },
          [LOG_FIELDS.time]: { type: "date" },
          aggregator_processed_at: { type: "date" },
          [LOG_FIELDS.level]: keyword,
          [LOG_FIELDS.message]: keyword,
          service: keyword,
          environment: keyword,
          request_id: keyword,
          [LOG_FIELDS.traceId]: keyword,
          span_id: keyword,
          source: keyword,
          pipeline: keyword,
          raw_message: { type: "text" },
        },
      },
    },
    _meta: { managed_by: "production-blueprint" },
  };
}

/** Kibana's application in Elasticsearch's privilege model, and the one space the platform uses. */
const KIBANA_APPLICATION: Omit<estypes.SecurityApplicationPrivileges, "privileges"> = { application: "kibana-.kibana", resources: ["space:default"] };

/** The people who read logs: they sign in to Kibana with it, or query Elasticsearch directly. */
export const READER = { user: "logs-reader", role: "logs-reader" } as const;
// Searching and listing fields (Kibana's field list needs the mappings); no write, no delete, no management.
const READER_INDEX_PRIVILEGES = ["read", "view_index_metadata"];
/**
 * Discover and Dashboard, read only, in the default space. Kibana 8.18 replaced the `discover` and `dashboard`
 * features by `discover_v2` and `dashboard_v2` (the old ones are deprecated aliases), so the role names the
 * current ones. Signing in to Kibana needs no cluster privilege: the Kibana privileges decide what it shows.
 */
const READER_KIBANA_PRIVILEGES = ["feature_discover_v2.read", "feature_dashboard_v2.read"];

function readerRole(): RoleBody {
  return {
    cluster: [],
    indices: [{ names: Object.values(INDEX_FAMILIES).map(indexPattern), privileges: READER_INDEX_PRIVILEGES }],
    applications: [{ ...KIBANA_APPLICATION, privileges: READER_KIBANA_PRIVILEGES }],
  };
}

/**
 * Grafana's Elasticsearch datasource: searching the log data streams and reading their mappings (its field
 * list), nothing else. Its own role rather than logs-reader's, which also grants Kibana features Grafana never uses.
 */
export const GRAFANA_READER = { user: "grafana-reader", role: "grafana-reader" } as const;

function grafanaReaderRole(): RoleBody {
  return { cluster: [], indices: [{ names: Object.values(INDEX_FAMILIES).map(indexPattern), privileges: READER_INDEX_PRIVILEGES }] };
}

function writerRole(): RoleBody {
  return {
    cluster: [],
    indices: [{ names: Object.values(INDEX_FAMILIES).map(indexPattern), privileges: WRITER_INDEX_PRIVILEGES }],
  };
}

/** The user the kibana-setup Job logs in as: it may manage data views and nothing else (not the superuser). */
export const KIBANA_SETUP = { user: "kibana-setup", role: "kibana-data-views" } as const;

/** Kibana's "Data View Management" feature, in the default space; no index or cluster privilege. */
function kibanaSetupRole(): RoleBody {
  return {
    cluster: [],
    indices: [],
    applications: [{ ...KIBANA_APPLICATION, privileges: ["feature_indexPatterns.all"] }],
  };
}

export interface ElasticsearchSetupArgs {
  deleteAfterDays: number;
  nodes: number;
  writerPassword: pulumi.Output<string>;
  kibanaSystemPassword: pulumi.Output<string>;
  kibanaSetupPassword: pulumi.Output<string>;
  readerPassword: pulumi.Output<string>;
  /** Set when Grafana runs: its read-only user is created too. */
  grafanaReaderPassword?: pulumi.Output<string>;
}

/** The setup plan, in order. Every call is an upsert (PUT, or the password change), so a rerun changes nothing. */
export function elasticsearchSetupRequests(args: ElasticsearchSetupArgs): SetupRequest[] {
  return [
    { method: "PUT", path: `/_ilm/policy/${ILM_POLICY}`, body: ilmPolicy(args.deleteAfterDays) },
    ...Object.values(INDEX_FAMILIES).map((family): SetupRequest => ({ method: "PUT", path: `/_index_template/${family}`, body: indexTemplate(family, args.nodes) })),
    { method: "PUT", path: `/_security/role/${WRITER.role}`, body: writerRole() },
    {
      method: "PUT",
      path: `/_security/user/${WRITER.user}`,
      body: args.writerPassword.apply((password): UserBody => ({ password, roles: [WRITER.role], full_name: "Vector aggregator (log writer)" })),
    },
    { method: "POST", path: "/_security/user/kibana_system/_password", body: args.kibanaSystemPassword.apply((password): PasswordBody => ({ password })) },
    { method: "PUT", path: `/_security/role/${KIBANA_SETUP.role}`, body: kibanaSetupRole() },
    {
      method: "PUT",
      path: `/_security/user/${KIBANA_SETUP.user}`,
      body: args.kibanaSetupPassword.apply((password): UserBody => ({ password, roles: [KIBANA_SETUP.role], full_name: "kibana-setup Job (data views only)" })),
    },
    { method: "PUT", path: `/_security/role/${READER.role}`, body: readerRole() },
    {
      method: "PUT",
      path: `/_security/user/${READER.user}`,
      body: args.readerPassword.apply((password): UserBody => ({ password, roles: [READER.role], full_name: "Log reader (people: Kibana and search, read only)" })),
    },
    ...grafanaReaderRequests(args.grafanaReaderPassword),
  ];
}

function grafanaReaderRequests(password: pulumi.Output<string> | undefined): SetupRequest[] {
  if (!password) return [];
  return [
    { method: "PUT", path: `/_security/role/${GRAFANA_READER.role}`, body: grafanaReaderRole() },
    {
      method: "PUT",
      path: `/_security/user/${GRAFANA_READER.user}`,
      body: password.apply((value): UserBody => ({ password: value, roles: [GRAFANA_READER.role], full_name: "Grafana's Elasticsearch datasource (read only)" })),
    },
  ];
}
