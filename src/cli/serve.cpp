// qblink serve: the QBWC endpoint (POST /qbwc), /health, and the AppSupport page.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/webhooks.h"
#include "cli/commands.h"
#include "cli/endpoint.h"
#include "cli/util.h"
#include "http/server.h"
#include "obs/log.h"
#include "store/store.h"
#include "sync/service.h"

namespace qblink::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::string tls_cert, tls_key;
  bool allow_http = false;
  std::string body_limit_mb = "32";
  std::string body_budget_mb;  // default: four times the body limit
  unsigned workers = 4;
  std::size_t max_connections = 512;
  std::size_t max_connections_per_ip = 64;
  std::vector<std::string> trusted_proxies;  // balancers whose X-Forwarded-For names the client
  int page_size = 500;
  std::int64_t password_cache_seconds = 600;
  int max_concurrent_hashes = 2;
  int keep_log_days = 180;  // 0 = keep the sync log forever
  std::string log_format = "text", log_level = "info", log_file;
  bool metrics_loopback_open = false;
};

// Retention: a few minutes after start, then daily, prune sync-log events and runs older than
// keep_days in small batches (the server's calls wait at most one batch). Stops with the server.
class LogPruner {
 public:
  LogPruner(store::Store& store, int keep_days) : store_(store), keep_days_(keep_days) {
    if (keep_days_ > 0) thread_ = std::thread([this] { loop(); });
  }
  ~LogPruner() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    auto next = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (!wake_.wait_until(lock, next, [this] { return stop_; })) {
      lock.unlock();
      try {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        const auto n = store_.prune_log(now - std::int64_t{keep_days_} * 86400, 1000);
        spdlog::info(
            "retention: pruned {} event(s) and {} run(s) older than {} days in {} batch(es)",
            n.events, n.runs, keep_days_, n.batches);
      } catch (const std::exception& e) {
        spdlog::error("retention: prune failed: {}", e.what());
      }
      lock.lock();
      next = std::chrono::steady_clock::now() + std::chrono::hours(24);
    }
  }

  store::Store& store_;
  int keep_days_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// A whole number of megabytes in [1, 4096], as bytes; anything else is a clear error (not a
// wrapped-around or overflowed size).
std::size_t megabytes(const std::string& option, const std::string& text) {
  long long mb = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, mb);
  if (ec != std::errc() || ptr != end || mb < 1 || mb > 4096) {
    throw Error(option + " must be a whole number of megabytes from 1 to 4096, got '" + text + "'");
  }
  return static_cast<std::size_t>(mb) << 20;
}

void split_listen(const std::string& listen, std::string& host, unsigned short& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw Error("--listen wants HOST:PORT, got '" + listen + "'");
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    const int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) throw std::out_of_range("port");
    port = static_cast<unsigned short>(p);
  } catch (const std::exception&) {
    throw Error("--listen: '" + listen.substr(colon + 1) + "' is not a port number");
  }
}

}  // namespace

void add_serve_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "Run the QBWC endpoint (POST /qbwc, GET /health)");
  cmd->add_option("--listen", args->listen, "HOST:PORT (default 127.0.0.1:8080)");
  cmd->add_option("--tls-cert", args->tls_cert, "PEM certificate chain: serve HTTPS");
  cmd->add_option("--tls-key", args->tls_key, "PEM private key");
  cmd->add_flag("--allow-http", args->allow_http,
                "Plain HTTP on a non-loopback address (only behind a TLS proxy)");
  cmd->add_option("--body-limit-mb", args->body_limit_mb,
                  "Largest request body in MB, 1 to 4096 (default 32)");
  cmd->add_option("--body-budget-mb", args->body_budget_mb,
                  "Request body bytes in flight over all connections, in MB (default 4 x the "
                  "body limit); more get 503 before their body is read");
  cmd->add_option("--workers", args->workers, "Worker threads for SOAP and database work");
  cmd->add_option("--max-connections", args->max_connections,
                  "Concurrent connections cap (default 512)");
  cmd->add_option("--max-connections-per-ip", args->max_connections_per_ip,
                  "Concurrent connections cap per client address (default 64)");
  cmd->add_option("--trusted-proxy", args->trusted_proxies,
                  "IP address of a load balancer in front (repeatable): its X-Forwarded-For "
                  "names the client that login and API throttles count")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--page-size", args->page_size, "MaxReturned per QuickBooks query page");
  cmd->add_option("--keep-log-days", args->keep_log_days,
                  "Prune sync-log events and runs older than this, daily (default 180; 0 = never)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--password-cache-seconds", args->password_cache_seconds,
                  "Remember a verified password this long, in memory only, as a keyed hash "
                  "(default 600; 0 = run argon2id on every login)");
  cmd->add_option("--max-concurrent-hashes", args->max_concurrent_hashes,
                  "argon2id password checks at once (default 2); more logins answer busy");
  cmd->add_option("--log-format", args->log_format,
                  "Server log lines as text or json (default text)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--log-level", args->log_level,
                  "Least severe log level written: trace, debug, info, warn, error (default info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  cmd->add_option("--log-file", args->log_file,
                  "Append the log to this file (SIGHUP reopens it, for logrotate) instead of "
                  "standard output");
  cmd->add_flag("--metrics-loopback-open", args->metrics_loopback_open,
                "GET /metrics without a token from loopback addresses (a local Prometheus; "
                "never with a proxy on this machine in front of qblink)");
  cmd->callback([args, &ctx] {
    obs::LogOptions lo;
    lo.format = *obs::parse_log_format(args->log_format);
    lo.level = *obs::parse_log_level(args->log_level);
    lo.file = args->log_file;
    try {
      obs::setup_logging(lo);
    } catch (const std::exception& e) {
      throw Error(e.what());
    }
    http::ServerOptions o;
    o.on_hangup = [] { obs::reopen_log_file(); };
    split_listen(args->listen, o.host, o.port);
    if (!args->tls_cert.empty()) o.tls_cert = args->tls_cert;
    if (!args->tls_key.empty()) o.tls_key = args->tls_key;
    o.allow_http = args->allow_http;
    o.body_limit = megabytes("--body-limit-mb", args->body_limit_mb);
    o.body_budget = args->body_budget_mb.empty()
                        ? 4 * o.body_limit
                        : megabytes("--body-budget-mb", args->body_budget_mb);
    if (o.body_budget < o.body_limit)
      throw Error("--body-budget-mb must be at least --body-limit-mb");
    o.worker_threads = std::max(1u, args->workers);
    if (args->max_connections < 1 || args->max_connections_per_ip < 1)
      throw Error("--max-connections and --max-connections-per-ip must be at least 1");
    o.max_connections = args->max_connections;
    o.max_connections_per_ip = args->max_connections_per_ip;
    o.trusted_proxies = args->trusted_proxies;

    // Held while serving: `qblink restore` refuses while any server uses the database.
    // (SQLite only: on PostgreSQL, restoring is pg_restore's business and instances share.)
    std::optional<store::DatabaseLock> lock;
    try {
      if (!store::is_postgres_uri(ctx.db_path))
        lock.emplace(ctx.db_path, store::DatabaseLock::Mode::Shared);
    } catch (const std::exception& e) {
      throw Error(e.what());
    }
    auto store = open_store(ctx.db_path);
    LogPruner pruner(*store, args->keep_log_days);
    // Webhooks: runs queue deliveries in the store; this thread sends them (api/webhooks.h).
    api::Deliverer deliverer(*store);
    deliverer.start();
    sync::ServiceOptions so;
    so.page_size = std::clamp(args->page_size, 1, 10000);
    so.verified_password_seconds = std::clamp<std::int64_t>(args->password_cache_seconds, 0, 3600);
    so.max_concurrent_hashes = std::clamp(args->max_concurrent_hashes, 1, 64);
    // Logins hashing or waiting to hash never hold every worker: one stays for the sessions.
    so.max_waiting_hashes =
        std::max(0, static_cast<int>(o.worker_threads) - so.max_concurrent_hashes - 1);
    sync::Service service(*store, so);
    EndpointOptions eo;
    eo.body_limit = o.body_limit;
    eo.readiness_check = [&store] { return store->check(); };
    eo.api_store = store.get();
    eo.api.body_limit = o.body_limit;
    eo.metrics.loopback_open = args->metrics_loopback_open;

    try {
      http::Server server(o, make_endpoint(service, eo));
      server.start();
      spdlog::info("qblink serving {}://{}:{}/qbwc (database {})",
                   server.is_tls() ? "https" : "http", o.host, server.port(), store->describe());
      server.wait(true);
      spdlog::info("qblink stopped");
    } catch (const http::ConfigError& e) {
      throw Error(e.what());
    }
  });
}

}  // namespace qblink::cli
