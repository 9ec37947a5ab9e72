/**
 * GitHub's request budget for one run: counts the requests sent to the API host, reads
 * `x-ratelimit-remaining`/`-reset` on every answer, and refuses a request once the run's cap
 * (`--max-github-requests`) is spent or GitHub's own limit is used up until it resets. A refusal
 * is a {@link GithubRateLimitError} saying "GitHub rate limit: N requests left, resets at T": the
 * run stops asking, answers already in the cache still serve, and each subject that needed more
 * is an ERROR (exit 3), never a hang and never a silent skip.
 * @module
 */
import { AttestError } from "../errors.ts";
import { endpointUrl } from "./endpoints.ts";
import { dateAt, type HttpClient, type RequestGate } from "./http.ts";

/**
 * GitHub API requests a crate takes at most, about, on a cold run: what the forecast before a run
 * multiplies by. Measured: 1.19 on the 300-crate bench (228 repositories of 90 owners), 1.35 for
 * 20 crates each in a repository of its own (README, "GitHub requests").
 */
export const GITHUB_REQUESTS_PER_CRATE = 1.4;

/** From how many crates a run says what it expects to spend before it starts. */
export const FORECAST_FROM_CRATES = 20;

/** GitHub's limit is used up, or the run's `--max-github-requests` is spent. */
export class GithubRateLimitError extends AttestError {
  /** The class name, for messages and `instanceof`-free checks. */
  override name = "GithubRateLimitError";
  /** Requests GitHub (or the cap) still allows. */
  readonly left: number;
  /** When GitHub's limit resets, when known. */
  readonly resetAt?: Date;
  /** `left` requests are left (of GitHub's limit or of the run's cap), resetting at `resetAt`. */
  constructor(left: number, resetAt: Date | undefined, detail: string, hint: string) {
    super(
      "github-rate-limit",
      `GitHub rate limit: ${left} requests left, resets at ${
        resetAt ? resetAt.toISOString() : "an unknown time (GitHub did not say)"
      }${detail ? ` (${detail})` : ""}`,
      { hint },
    );
    this.left = left;
    this.resetAt = resetAt;
  }
}

/** What GitHub last said about a rate-limit resource (`core`, `graphql`, …). */
export interface RateLimitState {
  readonly limit?: number;
  readonly remaining: number;
  readonly resetAt?: Date;
}

/** Paths GitHub does not count against the limit (and neither does the cap). */
const FREE_PATHS = /\/rate_limit$/;

/**
 * The request budget of one run against one GitHub API (see the module doc). Hand it to the
 * GitHub client as its `gate`. Requests to other hosts (a `bundle_url` on blob storage) are
 * neither counted nor refused.
 */
export class GithubBudget implements RequestGate {
  readonly #host: string;
  readonly #max?: number;
  readonly #now: () => number;
  readonly #state = new Map<string, RateLimitState>();
  #used = 0;
  #first?: () => Promise<void>;
  #firstDone?: Promise<void>;

  /**
   * A budget for the API at `api`; `max` caps the requests of the run (`--max-github-requests`),
   * `now` is the clock (epoch milliseconds).
   */
  constructor(
    api: URL,
    options: {
      max?: number;
      now?: () => number;
      /**
       * Awaited once, before the run's first counted request (none on a run the cache answers
       * whole): e.g. a {@link probe} and the {@link forecast}. Its failure is ignored.
       */
      beforeFirst?: () => Promise<void>;
    } = {},
  ) {
    this.#host = api.host.toLowerCase();
    this.#max = options.max;
    this.#now = options.now ?? Date.now;
    this.#first = options.beforeFirst;
  }

  /** Requests sent to the API so far (retries included; `/rate_limit` excluded). */
  get used(): number {
    return this.#used;
  }

  /** The run's cap, when one was set. */
  get max(): number | undefined {
    return this.#max;
  }

  /** What GitHub last said of `resource` (default `core`, the REST limit). */
  state(resource = "core"): RateLimitState | undefined {
    return this.#state.get(resource);
  }

  /** Records what a `GET /rate_limit` answered (`resources.core`, `resources.graphql`, …). */
  recordRateLimit(data: unknown): void {
    const resources = (data as { resources?: Record<string, unknown> } | null)?.resources;
    if (typeof resources !== "object" || resources === null) return;
    for (const [name, value] of Object.entries(resources)) {
      const v = value as { limit?: unknown; remaining?: unknown; reset?: unknown };
      if (typeof v?.remaining !== "number") continue;
      this.#state.set(name, {
        ...(typeof v.limit === "number" ? { limit: v.limit } : {}),
        remaining: v.remaining,
        ...optionalReset(typeof v.reset === "number" ? v.reset : undefined),
      });
    }
  }

  /** @inheritdoc */
  async before(url: URL): Promise<void> {
    if (!this.#counts(url)) return;
    if (this.#first) {
      this.#firstDone ??= this.#first().catch(() => {});
      await this.#firstDone;
    }
    const refusal = this.refusal(url);
    if (refusal) throw refusal;
    this.#used++;
  }

  /** @inheritdoc */
  observe(url: URL, _status: number, headers: Headers): void {
    if (url.host.toLowerCase() !== this.#host) return;
    const remaining = integer(headers.get("x-ratelimit-remaining"));
    if (remaining === undefined) return;
    const reset = integer(headers.get("x-ratelimit-reset"));
    const limit = integer(headers.get("x-ratelimit-limit"));
    const resource = headers.get("x-ratelimit-resource")?.trim() || resourceOf(url);
    this.#state.set(resource, {
      ...(limit !== undefined ? { limit } : {}),
      remaining,
      ...optionalReset(reset),
    });
  }

  /** @inheritdoc */
  refusal(url: URL): GithubRateLimitError | undefined {
    const state = this.#state.get(resourceOf(url));
    const resetAt = state?.resetAt ?? this.#state.get("core")?.resetAt;
    if (this.#max !== undefined && this.#used >= this.#max) {
      return new GithubRateLimitError(
        0,
        resetAt,
        `--max-github-requests ${this.#max} spent` +
          (state ? `; GitHub itself allows ${state.remaining} more` : ""),
        "raise --max-github-requests, or run again later: answers already cached are not asked again",
      );
    }
    if (
      state && state.remaining <= 0 && (!state.resetAt || state.resetAt.getTime() > this.#now())
    ) {
      return new GithubRateLimitError(
        0,
        state.resetAt,
        "",
        "run again after the reset: answers already cached are not asked again" +
          (state.limit !== undefined && state.limit <= 60
            ? "; a token (GH_TOKEN or GITHUB_TOKEN) gets a much higher limit"
            : ""),
      );
    }
    return undefined;
  }

  /**
   * Reads GitHub's remaining budget (`GET /rate_limit`, which GitHub does not count) into this
   * budget; false when it could not be read (no such route, as on a server without limits).
   */
  async probe(client: HttpClient, api: URL): Promise<boolean> {
    try {
      const { data } = await client.getJson(endpointUrl(api, "rate_limit"), {
        accept: "application/vnd.github+json",
        maxBytes: 64 * 1024,
      });
      this.recordRateLimit(data);
      return this.#state.has("core");
    } catch {
      return false;
    }
  }

  /**
   * What a run of `crates` crates expects to spend and what is left, in one line for stderr
   * (after {@link probe}).
   */
  forecast(crates: number): string {
    const expected = Math.ceil(crates * GITHUB_REQUESTS_PER_CRATE);
    const core = this.#state.get("core");
    const parts = [
      `${crates} crates may take up to about ${expected} GitHub API requests ` +
      "(none for answers still in the cache)",
    ];
    if (core) {
      parts.push(
        `GitHub allows ${core.remaining} more` +
          (core.resetAt ? ` until it resets at ${core.resetAt.toISOString()}` : ""),
      );
    }
    if (this.#max !== undefined) parts.push(`--max-github-requests caps this run at ${this.#max}`);
    const allowed = Math.min(core?.remaining ?? Infinity, this.#max ?? Infinity);
    if (allowed < expected) {
      parts.push(
        "the run may stop short: the crates it can then not ask about are ERROR (exit 3); " +
          "a warm cache needs far fewer",
      );
    }
    return parts.join("; ");
  }

  #counts(url: URL): boolean {
    return url.host.toLowerCase() === this.#host && !FREE_PATHS.test(url.pathname);
  }
}

/** `{ resetAt }` for a reset in epoch seconds, when a date can hold it (else nothing). */
function optionalReset(seconds: number | undefined): { resetAt?: Date } {
  const resetAt = seconds === undefined ? undefined : dateAt(seconds * 1000);
  return resetAt ? { resetAt } : {};
}

/** Which of GitHub's limits a request draws on. */
function resourceOf(url: URL): string {
  return /\/graphql$/.test(url.pathname) ? "graphql" : "core";
}

function integer(value: string | null): number | undefined {
  const text = value?.trim();
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}
