// qblink serve: the QBWC endpoint (POST /qbwc), /health, and the AppSupport page.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/endpoint.h"
#include "cli/util.h"
#include "http/server.h"
#include "sync/service.h"

namespace qblink::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::string tls_cert, tls_key;
  bool allow_http = false;
  std::size_t body_limit_mb = 256;
  unsigned workers = 4;
  std::size_t max_connections = 512;
  int page_size = 500;
};

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
  cmd->add_option("--body-limit-mb", args->body_limit_mb, "Largest request body (default 256)");
  cmd->add_option("--workers", args->workers, "Worker threads for SOAP and database work");
  cmd->add_option("--max-connections", args->max_connections, "Concurrent connections cap");
  cmd->add_option("--page-size", args->page_size, "MaxReturned per QuickBooks query page");
  cmd->callback([args, &ctx] {
    http::ServerOptions o;
    split_listen(args->listen, o.host, o.port);
    if (!args->tls_cert.empty()) o.tls_cert = args->tls_cert;
    if (!args->tls_key.empty()) o.tls_key = args->tls_key;
    o.allow_http = args->allow_http;
    o.body_limit = args->body_limit_mb << 20;
    o.worker_threads = std::max(1u, args->workers);
    o.max_connections = args->max_connections;

    auto store = open_store(ctx.db_path);
    sync::ServiceOptions so;
    so.page_size = std::clamp(args->page_size, 1, 10000);
    sync::Service service(*store, so);
    const std::size_t limit = o.body_limit;

    try {
      http::Server server(o, make_endpoint(service, limit));
      server.start();
      spdlog::info("qblink serving {}://{}:{}/qbwc (database {})",
                   server.is_tls() ? "https" : "http", o.host, server.port(), ctx.db_path);
      server.wait(true);
      spdlog::info("qblink stopped");
    } catch (const http::ConfigError& e) {
      throw Error(e.what());
    }
  });
}

}  // namespace qblink::cli
