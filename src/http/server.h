#pragma once
// The Beast listener: HTTP or HTTPS, Expect: 100-continue, limits, timeouts, connection caps
// (global and per client address), a budget of body bytes in flight, and a worker pool that runs
// the handler off the I/O threads (inline routes excepted).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/message.h"

namespace qblink::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;           // 0 = any free port (tests)
  std::optional<std::string> tls_cert;  // PEM chain; with tls_key enables HTTPS
  std::optional<std::string> tls_key;
  bool allow_http = false;  // plain HTTP on a non-loopback address (TLS proxy in front)
  // Largest request body. A 500-customer page of escaped qbXML is under 1 MB; 32 MB leaves
  // room for pages of records with long notes and custom fields (docs/SECURITY.md).
  std::size_t body_limit = 32u << 20;
  // Bytes of request bodies being read or handled at once, over all connections (0: four times
  // body_limit). A request whose Content-Length does not fit gets 503 before its body is read.
  std::size_t body_budget = 0;
  // A body larger than this goes to Endpoint::body_prefix_check once its first
  // body_prefix_bytes have arrived, before the rest is read.
  std::size_t body_prefix_threshold = 64u << 10;
  std::size_t body_prefix_bytes = 16u << 10;
  std::size_t header_limit = 16u << 10;
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake of a new connection
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds body_timeout{300'000};  // the whole body, however fast it comes
  // And the body must keep moving: at least min_body_bytes in every min_body_window, else the
  // connection is closed (a client trickling bytes holds a socket and a buffer for nothing).
  std::size_t min_body_bytes = 16u << 10;
  std::chrono::milliseconds min_body_window{10'000};
  std::chrono::milliseconds idle_timeout{120'000};  // keep-alive connection with no request
  std::chrono::milliseconds stop_timeout{10'000};   // stop(): how long in-flight requests may run
  // Connections over either cap are closed at once (plain HTTP: after a best-effort 503 line;
  // TLS: before any handshake), so they cost neither a file handle for long nor CPU.
  std::size_t max_connections = 512;
  std::size_t max_connections_per_ip = 64;
  // Load balancers in front (IP addresses, exact): a request from one of them names its client
  // in X-Forwarded-For, and Request::client_ip (the key of login and API throttles) is that
  // client: the rightmost address no trusted proxy added. The connection caps still count the
  // balancer's own address.
  std::vector<std::string> trusted_proxies;
  unsigned io_threads = 1;
  unsigned worker_threads = 4;
  // wait(true) also handles SIGHUP: reload_tls(), then this (e.g. reopen the log file). It runs
  // on an I/O thread and must be quick.
  std::function<void()> on_hangup;
};

// Thrown by Server's constructor for a configuration the Web Connector cannot use
// (plain HTTP on a public address) or that cannot start (bad certificate, port in use).
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class Server {
 public:
  // Binds and listens at once (so port() is known); throws ConfigError.
  Server(ServerOptions options, Handler handler);
  // The same with inline routes and a body prefix check (see Endpoint).
  Server(ServerOptions options, Endpoint endpoint);
  ~Server();  // stop() + join
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  bool is_tls() const;

  // Starts the I/O and worker threads and returns at once.
  void start();
  // Blocks until stop() is called or, when handle_signals, SIGINT/SIGTERM arrives; with
  // handle_signals, SIGHUP meanwhile calls reload_tls() and ServerOptions::on_hangup.
  void wait(bool handle_signals);
  // Reads the certificate chain and key files again (certbot renewed them): new connections
  // get the new pair, open ones keep theirs. A pair that does not load or match leaves the
  // old one serving; false, and the reason logged. False too without TLS. Thread-safe.
  bool reload_tls();
  // Stops accepting, closes idle connections, lets in-flight requests (header received) finish
  // and answer for up to stop_timeout, then closes everything and joins the threads. Idempotent
  // and safe from any thread except a handler's own worker thread.
  void stop();

 private:
  void wait_for_hangup();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qblink::http
