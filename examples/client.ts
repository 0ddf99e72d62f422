/**
 * A typed example client for roadmap-api, for frontend developers.
 *
 * Every type here comes from `generated/openapi.ts`, which openapi-typescript writes from the
 * committed spec (`../openapi/openapi.json`): nothing is typed by hand. If the spec renames a
 * field, drops a route or changes an enum this file uses, `tsc` fails. `check-client.sh` does
 * exactly that in CI.
 *
 *   ./check-client.sh          # npm ci, generate the types, tsc --noEmit
 *   npm run demo -- http://127.0.0.1:8080    # compile to dist/ and run main() against a server
 *
 * It uses plain `fetch` (browsers, Node 18+, Deno, Bun) and no runtime library: the generated
 * file holds types only, so it adds nothing to your bundle. (openapi-fetch, by the authors of
 * openapi-typescript, does the same job as `RoadmapApiClient.get` below if you would rather
 * take a dependency.)
 */
import type { components, paths } from "./generated/openapi";

// ---------------------------------------------------------------------------------------------
// Types read off the generated `paths`.

/** Every path of the API that answers GET, e.g. "/v1/roadmaps/{slug}". */
export type GetPath = {
  [P in keyof paths]: paths[P] extends { get: object } ? P : never;
}[keyof paths];

/** The GET operation of a path: its parameters and its responses by status code. */
type GetOperation<P extends GetPath> = paths[P]["get"];

/** The body of an operation's `200` answer as `application/json`. */
type JsonOf<Op> = Op extends { responses: { 200: { content: { "application/json": infer Body } } } }
  ? Body
  : never;

/** The path parameters of an operation (`never` when it has none). */
type PathParamsOf<Op> = Op extends { parameters: { path: infer Params } } ? Params : never;

/** The query parameters of an operation (`never` when it has none). */
type QueryOf<Op> = Op extends { parameters: { query?: infer Query } } ? Query : never;

/** What `get` takes besides the path: the path parameters when the route has some (then they
 *  are required), the query when the route has one, and an optional AbortSignal. */
export type RequestOptions<Op> = ([PathParamsOf<Op>] extends [never]
  ? unknown
  : { path: PathParamsOf<Op> }) &
  ([QueryOf<Op>] extends [never] ? unknown : { query?: QueryOf<Op> }) & { signal?: AbortSignal };

/** `get("/v1/roadmaps")` may leave the options out; `get("/v1/roadmaps/{slug}", ...)` may not. */
type GetArgs<Op> = [PathParamsOf<Op>] extends [never]
  ? [options?: RequestOptions<Op>]
  : [options: RequestOptions<Op>];

// The schemas this example uses. Those of list items are taken from the route's answer, so they
// are exactly what that route is documented to return.

/** An RFC 9457 problem: the body of every error answer (`application/problem+json`). */
export type Problem = components["schemas"]["Problem"];
/** A certification's signal tier: "high_signal" | "helpful" | "skip". */
export type Tier = components["schemas"]["Tier"];
/** A whole roadmap page. */
export type Roadmap = JsonOf<GetOperation<"/v1/roadmaps/{slug}">>;
/** A roadmap as the catalogue lists it. */
export type RoadmapSummary = JsonOf<GetOperation<"/v1/roadmaps">>["data"][number];
/** A certification with the ratings that roadmaps give it. */
export type CertificationEntry = JsonOf<GetOperation<"/v1/certifications">>["data"][number];

/**
 * The outcome of a request: the data, or the problem the API answered with. Branch on `ok`;
 * TypeScript then knows which of `data` and `problem` is there. Network failures (offline,
 * DNS, CORS refused, aborted) are not answers: `fetch` throws them, and so does `get`.
 */
export type ApiResult<T> =
  | { ok: true; data: T; etag: string | null }
  | { ok: false; problem: Problem };

// ---------------------------------------------------------------------------------------------
// The client.

/** What the implementation of `get` sees once the typed signature has checked the call. */
interface LooseOptions {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export class RoadmapApiClient {
  readonly baseUrl: string;

  /** @param baseUrl Where the API is, e.g. "https://api.example.org" (no trailing `/v1`). */
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  /**
   * GETs a route and returns its JSON body, typed from the spec:
   *
   *   const r = await api.get("/v1/roadmaps/{slug}", { path: { slug: "healthcare-ai-ml-engineer" } });
   *   if (r.ok) r.data.learning_path.phases;   // Phase[]
   *   else r.problem.detail;                   // why it failed, in words
   *
   * Paths, path parameters, query parameters (names and enum values) and the answer are all
   * checked against the spec at compile time.
   */
  get<P extends GetPath>(
    path: P,
    ...args: GetArgs<GetOperation<P>>
  ): Promise<ApiResult<JsonOf<GetOperation<P>>>>;
  async get(path: string, options?: unknown): Promise<ApiResult<unknown>> {
    // The typed signature above has checked the call; here the options are plain data.
    const { path: params = {}, query = {}, signal } = (options ?? {}) as LooseOptions;
    const url = new URL(this.baseUrl + fillPath(path, params));
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }

    const response = await fetch(url, {
      // Ask for JSON explicitly: some routes also serve CSV, NDJSON or JSON-LD.
      headers: { Accept: "application/json, application/problem+json" },
      ...(signal ? { signal } : {}),
      // Every GET answers with a strong ETag. With the default `cache` mode the browser
      // revalidates its copy with If-None-Match and turns a 304 into the cached 200, so there
      // is nothing to do here to get cheap refreshes.
    });

    if (response.ok) {
      // The body's type is the spec's promise, not a runtime check: validate it (zod,
      // valibot, ajv on the spec's schemas) if you must not trust the server.
      return { ok: true, data: await response.json(), etag: response.headers.get("ETag") };
    }
    return { ok: false, problem: await readProblem(response, url) };
  }
}

/** Puts the path parameters into a templated path: "/v1/roadmaps/{slug}" -> "/v1/roadmaps/x". */
function fillPath(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

/**
 * Reads an error answer as a Problem. The API sends `application/problem+json` for every
 * error, but a proxy or load balancer in between may not (an HTML 502 page, say): those become
 * a Problem too, with `type: "about:blank"` as RFC 9457 says, so callers handle one shape.
 */
async function readProblem(response: Response, url: URL): Promise<Problem> {
  const contentType = response.headers.get("Content-Type") ?? "";
  if (contentType.startsWith("application/problem+json")) {
    const body: unknown = await response.json().catch(() => undefined);
    if (isProblem(body)) return body;
  }
  return {
    type: "about:blank",
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: `The server answered ${response.status} with ${contentType || "no content type"}.`,
    instance: url.pathname + url.search,
  };
}

/** A runtime check of the fields every Problem has, so a malformed body is not trusted. */
function isProblem(body: unknown): body is Problem {
  return (
    typeof body === "object" &&
    body !== null &&
    "type" in body &&
    typeof body.type === "string" &&
    "title" in body &&
    typeof body.title === "string" &&
    "status" in body &&
    typeof body.status === "number" &&
    "detail" in body &&
    typeof body.detail === "string" &&
    "instance" in body &&
    typeof body.instance === "string"
  );
}

// ---------------------------------------------------------------------------------------------
// Paged lists.

/** One page of a list route: `next_cursor` is null (or absent) on the last page. */
interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}

/**
 * Walks every page of a list by passing each page's `next_cursor` back as `cursor`, and returns
 * all the items, or the first problem met. `fetchPage` gets `{}` for the first page and
 * `{ cursor }` after, to spread into its query.
 */
async function collectPages<T>(
  fetchPage: (page: { cursor?: string }) => Promise<ApiResult<Page<T>>>,
): Promise<ApiResult<T[]>> {
  const items: T[] = [];
  let page: { cursor?: string } = {};
  for (;;) {
    const result = await fetchPage(page);
    if (!result.ok) return result;
    items.push(...result.data.data);
    const next = result.data.next_cursor;
    if (next == null) return { ok: true, data: items, etag: null };
    page = { cursor: next };
  }
}

/** The whole catalogue, by title (`GET /v1/roadmaps`, 100 a page). */
export function fetchCatalogue(api: RoadmapApiClient): Promise<ApiResult<RoadmapSummary[]>> {
  return collectPages((page) =>
    api.get("/v1/roadmaps", { query: { sort: "title", limit: 100, ...page } }),
  );
}

/** A whole roadmap page (`GET /v1/roadmaps/{slug}`). */
export function fetchRoadmap(api: RoadmapApiClient, slug: string): Promise<ApiResult<Roadmap>> {
  return api.get("/v1/roadmaps/{slug}", { path: { slug } });
}

/**
 * Every certification that some roadmap rates in `tier`, across all roadmaps
 * (`GET /v1/certifications?tier=...`). Each entry's `ratings` holds only the ratings in that
 * tier. For one roadmap only, add `roadmap: slug` to the query.
 */
export function fetchCertifications(
  api: RoadmapApiClient,
  tier: Tier,
): Promise<ApiResult<CertificationEntry[]>> {
  return collectPages((page) =>
    api.get("/v1/certifications", { query: { tier, limit: 100, ...page } }),
  );
}

// ---------------------------------------------------------------------------------------------
// A demo: what a page would render, printed.

/** One line on a problem, as a UI might show it. */
function describeProblem(problem: Problem): string {
  // `type` is stable ("/problems/not-found", "/problems/bad-parameter", ...): branch on it, or
  // on `status`; `detail` is for people; `errors` locates each bad parameter.
  const where = problem.errors?.[0]?.parameter;
  return `${problem.status} ${problem.title}: ${problem.detail}${where ? ` (parameter ${where})` : ""}`;
}

/** "12 to 18", or "12" when the range is a single figure. */
function span(range: components["schemas"]["Range"]): string {
  return range.min === range.max ? `${range.min}` : `${range.min} to ${range.max}`;
}

export async function main(baseUrl = "http://127.0.0.1:8080"): Promise<boolean> {
  const api = new RoadmapApiClient(baseUrl);

  // 1. The catalogue.
  const catalogue = await fetchCatalogue(api);
  if (!catalogue.ok) {
    console.error(`catalogue: ${describeProblem(catalogue.problem)}`);
    return false;
  }
  console.log(`${catalogue.data.length} roadmap(s):`);
  for (const summary of catalogue.data) {
    console.log(
      `  ${summary.icon} ${summary.title} (${summary.slug}): ${summary.difficulty}, ` +
        `${span(summary.timeline_months)} months`,
    );
  }

  // 2. A whole roadmap: one request renders the page.
  const roadmap = await fetchRoadmap(api, "healthcare-ai-ml-engineer");
  if (!roadmap.ok) {
    console.error(`roadmap: ${describeProblem(roadmap.problem)}`);
    return false;
  }
  const doc = roadmap.data;
  console.log(`\n${doc.icon} ${doc.title}, by ${doc.publisher.author} (${doc.publisher.name})`);
  console.log(`  ${doc.summary}`);
  console.log(`  ${span(doc.timeline_months)} months; demand: ${doc.demand.level}`);
  const setting = doc.work_setting;
  console.log(
    `  ${setting.label}: ${span(setting.remote_percent)}% remote, ` +
      `${span(setting.hybrid_percent)}% hybrid, ${span(setting.onsite_percent)}% on-site`,
  );
  for (const phase of doc.learning_path.phases) {
    const topics = phase.topic_groups.reduce((n, group) => n + group.topics.length, 0);
    console.log(
      `  Phase ${phase.number}: ${phase.title}, months ${span(phase.months)}, ` +
        `${phase.hours_text} hours, ${topics} topics, ${phase.tracks.length} tracks`,
    );
  }
  const highSignal = doc.certifications.items.filter((rating) => rating.tier === "high_signal");
  console.log(`  High Signal here: ${highSignal.map((r) => r.certification.name).join("; ")}`);
  for (const move of doc.first_moves.items) {
    console.log(`  First move ${move.number}: ${move.title} (${move.time.text})`);
  }
  console.log(`  ETag ${roadmap.etag ?? "(none)"}; ${doc.sources.items.length} sources cited`);

  // 3. High Signal certifications across every roadmap.
  const certifications = await fetchCertifications(api, "high_signal");
  if (!certifications.ok) {
    console.error(`certifications: ${describeProblem(certifications.problem)}`);
    return false;
  }
  console.log(`\n${certifications.data.length} High Signal certification(s):`);
  for (const entry of certifications.data) {
    // Nullable fields are typed `... | null`: the compiler makes you decide what to show.
    const cost = entry.cost.amount_usd === null ? entry.cost.text : `$${entry.cost.amount_usd}`;
    const study = entry.study_months === null ? "" : `, ${span(entry.study_months)} months' study`;
    console.log(`  ${entry.name}: ${cost}${study}, renewal ${entry.renewal ?? "none"}`);
    for (const rating of entry.ratings) {
      const share = rating.job_posting_share_percent;
      console.log(
        `    ${rating.roadmap}: ${rating.note}` +
          (share === null ? "" : ` (${span(share)}% of job postings)`),
      );
    }
  }

  // 4. An error answer, to show the typed problem: an unknown slug is a 404.
  const missing = await fetchRoadmap(api, "no-such-roadmap");
  if (missing.ok) {
    console.error("expected a 404 for an unknown roadmap");
    return false;
  }
  console.log(`\nAn unknown roadmap: ${describeProblem(missing.problem)} [${missing.problem.type}]`);
  return missing.problem.status === 404;
}
