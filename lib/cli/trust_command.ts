/**
 * `cargo-attest trust update|show`: refresh the Sigstore and GitHub trusted roots through their
 * TUF repositories, and say which root each verifying run uses, its digest and its expiry.
 * @module
 */
import { AttestError, UsageError } from "../errors.ts";
import { DEFAULT_HTTP_RETRIES, DEFAULT_HTTP_TIMEOUT_MS } from "../limits.ts";
import { HttpClient } from "../sources/http.ts";
import { resolveCacheDir } from "../sources/cache_settings.ts";
import { tufTargets } from "../sources/tuf_endpoints.ts";
import { loadStoredTufStatus, type StoredTufStatus } from "../sources/tuf_status.ts";
import { refreshTufRepository } from "../sources/tuf_update.ts";
import { stateExpires, TRUSTED_ROOT_TARGET, type TufState } from "../trust/tuf/client.ts";
import { TUF_REPOSITORIES, type TufRepository } from "../trust/tuf/repositories.ts";
import { type EmbeddedRootName, embeddedRootText } from "../trust/embedded.ts";
import { sha256Hex } from "../sources/_cache_util.ts";
import { escapeForTerminal, escapeJsonText } from "../render/escape.ts";
import { flag, listOption, parseCommandArgs, stringOption } from "./args.ts";
import { timeoutFromOption } from "./http_client.ts";
import { VERSION } from "./help.ts";
import type { CliIo } from "./io.ts";

const USAGE = "usage: cargo-attest trust update [--tuf-url URL]... | show [--offline] [--json]";

/** Runs `trust`; returns the exit code (0, or 3 when a repository could not be refreshed). */
export async function runTrust(args: readonly string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== "update" && action !== "show") {
    throw new UsageError(
      action === undefined ? "trust: no action given" : `trust: unknown action '${action}'`,
      USAGE,
    );
  }
  const parsed = action === "update"
    ? parseCommandArgs("trust update", rest)
    : parseCommandArgs("trust show", rest);
  if (parsed.positionals.length > 0) {
    throw new UsageError(`trust ${action}: unexpected argument '${parsed.positionals[0]}'`, USAGE);
  }
  const cacheDir = resolveCacheDir(io.env);
  if (cacheDir === undefined) {
    throw new AttestError(
      "cache-unavailable",
      "trust: no cache directory: CARGO_ATTEST_CACHE_DIR, CARGO_HOME and HOME are all unset",
      { hint: "set CARGO_ATTEST_CACHE_DIR to a directory (TUF metadata is kept in its tuf/)" },
    );
  }
  const targets = tufTargets(listOption(parsed, "tuf-url"), io.env);
  const http = () => createTufHttp(io, stringOption(parsed, "timeout"));
  const json = flag(parsed, "json");
  const quiet = flag(parsed, "quiet");
  if (action === "update") {
    const entries: Record<string, unknown>[] = [];
    let failure: unknown;
    const client = http();
    for (const { repository, url } of targets) {
      try {
        const refresh = await refreshTufRepository({
          cacheDir,
          repository,
          url,
          http: client,
          now: io.now(),
        });
        const entry = describeState(repository, refresh.state, url.href);
        entries.push({
          ...entry,
          fromRootVersion: refresh.fromRootVersion,
          requests: refresh.requests,
        });
        if (!json && !quiet) {
          io.stdout(terminalLines(
            `${repository.name}: updated from ${url.href}: TUF root version ${refresh.state.root.signed.version} (was ${refresh.fromRootVersion}${
              refresh.fromStored ? "" : ", embedded"
            }), targets version ${refresh.state.targets.signed.version}, ${refresh.requests} requests\n` +
              renderDetails(entry),
          ));
        }
      } catch (error) {
        // The others are still tried; this one's cache is untouched.
        failure ??= error;
        if (!(error instanceof AttestError)) throw error;
        io.stderr(`cargo-attest: trust update: ${repository.name}: not updated\n`);
      }
    }
    if (json) io.stdout(escapeJsonText(JSON.stringify({ updated: entries }, null, 2)) + "\n");
    if (failure) throw failure;
    return 0;
  }
  // show
  const offline = flag(parsed, "offline");
  const entries: Record<string, unknown>[] = [];
  for (const repository of TUF_REPOSITORIES) {
    let status = await loadStoredTufStatus(cacheDir, repository, io.now());
    const target = targets.find((t) => t.repository.name === repository.name);
    if (!status.usable && !offline && target) {
      // Missing or past its expiry: refresh first (a fresh state makes no request).
      await refreshTufRepository({
        cacheDir,
        repository,
        url: target.url,
        http: http(),
        now: io.now(),
      });
      status = await loadStoredTufStatus(cacheDir, repository, io.now());
    }
    entries.push(describeStatus(repository, status));
  }
  const staging = embeddedRootText("staging");
  entries.push({
    name: "staging",
    source: "embedded",
    sha256: sha256Hex(staging),
    note: "no TUF repository: used with --staging",
  });
  if (json) {
    io.stdout(escapeJsonText(JSON.stringify({ roots: entries }, null, 2)) + "\n");
    return 0;
  }
  for (const entry of entries) io.stdout(terminalLines(renderShow(entry)));
  io.stdout(
    "A verifying command uses these roots; --trusted-root FILE replaces them (and --staging uses staging alone).\n",
  );
  return 0;
}

function createTufHttp(io: CliIo, timeout: string | undefined): HttpClient {
  const budget = timeoutFromOption(timeout);
  const deadline = budget === undefined ? undefined : Date.now() + budget;
  return new HttpClient({
    timeoutMs: Math.min(DEFAULT_HTTP_TIMEOUT_MS, budget ?? Infinity),
    ...(deadline !== undefined ? { deadline } : {}),
    retries: DEFAULT_HTTP_RETRIES,
    userAgent: `cargo-attest/${VERSION} (https://github.com/cargo-attest/cargo-attest)`,
    onRetry: (info) =>
      io.stderr(
        `cargo-attest: retrying ${info.url} (attempt ${
          info.attempt + 1
        } of ${info.attempts}: ${info.reason})\n`,
      ),
  });
}

function embeddedSha256(name: EmbeddedRootName): string {
  return sha256Hex(embeddedRootText(name));
}

function describeState(repository: TufRepository, state: TufState, url?: string) {
  const target = state.targetFiles.get(TRUSTED_ROOT_TARGET)!;
  const sha256 = sha256Hex(target);
  return {
    name: repository.name,
    source: "tuf",
    tufRootVersion: state.root.signed.version,
    tufTargetsVersion: state.targets.signed.version,
    sha256,
    embeddedSha256: embeddedSha256(repository.name),
    sameAsEmbedded: sha256 === embeddedSha256(repository.name),
    expires: stateExpires(state).toISOString(),
    ...(url ? { url } : {}),
  };
}

function describeStatus(repository: TufRepository, status: StoredTufStatus) {
  if (status.usable && status.state) {
    return {
      ...describeState(repository, status.state, status.url),
      ...(status.updated ? { updated: status.updated } : {}),
      expired: false,
    };
  }
  return {
    name: repository.name,
    source: "embedded",
    sha256: embeddedSha256(repository.name),
    note: status.reason,
    ...(status.state
      ? {
        stored: {
          ...describeState(repository, status.state, status.url),
          expired: status.expires !== undefined && status.reason?.includes("expired") === true,
        },
      }
      : {}),
  };
}

/**
 * Rendered lines made safe to print: the stored origin (URL, time) and the reason a stored state
 * was refused (which quotes the stored metadata) come from files anyone who can write the cache
 * wrote, so no character a terminal acts on is printed raw.
 */
function terminalLines(text: string): string {
  return text.split("\n").map(escapeForTerminal).join("\n");
}

function renderDetails(entry: Record<string, unknown>): string {
  const same = entry.sameAsEmbedded === undefined
    ? ""
    : entry.sameAsEmbedded
    ? " (the same as the embedded root)"
    : ` (differs from the embedded root ${entry.embeddedSha256}; the TUF one is used)`;
  return `  ${TRUSTED_ROOT_TARGET} sha256 ${entry.sha256}${same}\n  expires ${entry.expires}\n`;
}

function renderShow(entry: Record<string, unknown>): string {
  if (entry.source === "tuf") {
    const from = entry.url ? ` from ${entry.url}` : "";
    const at = entry.updated ? ` (updated ${entry.updated})` : "";
    return `${entry.name}: TUF root version ${entry.tufRootVersion}, targets version ${entry.tufTargetsVersion}${from}${at}\n` +
      renderDetails(entry);
  }
  let text =
    `${entry.name}: embedded root (${entry.note})\n  ${TRUSTED_ROOT_TARGET} sha256 ${entry.sha256}\n  expires: never (compiled in; its keys' own validity windows still apply)\n`;
  const stored = entry.stored as Record<string, unknown> | undefined;
  if (stored) {
    text +=
      `  stored, not used: TUF root version ${stored.tufRootVersion}, targets version ${stored.tufTargetsVersion}, sha256 ${stored.sha256}, ${
        stored.expired ? "expired" : "expires"
      } ${stored.expires}\n`;
  }
  return text;
}
