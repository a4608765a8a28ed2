#pragma once
// The Beast listener: HTTP or HTTPS, Expect: 100-continue, limits, timeouts, a connection cap,
// and a worker pool that runs the handler off the I/O threads.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "http/message.h"

namespace qblink::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;           // 0 = any free port (tests)
  std::optional<std::string> tls_cert;  // PEM chain; with tls_key enables HTTPS
  std::optional<std::string> tls_key;
  bool allow_http = false;              // plain HTTP on a non-loopback address (TLS proxy in front)
  std::size_t body_limit = 256u << 20;  // a CustomerQuery response can be tens of MB
  std::size_t header_limit = 16u << 10;
  std::chrono::milliseconds header_timeout{30'000};
  std::chrono::milliseconds body_timeout{300'000};
  std::chrono::milliseconds idle_timeout{120'000};  // keep-alive connection with no request
  std::chrono::milliseconds stop_timeout{10'000};   // stop(): how long in-flight requests may run
  std::size_t max_connections = 512;                // more are answered 503 and closed
  unsigned io_threads = 1;
  unsigned worker_threads = 4;
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
  ~Server();  // stop() + join
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  bool is_tls() const;

  // Starts the I/O and worker threads and returns at once.
  void start();
  // Blocks until stop() is called or, when handle_signals, SIGINT/SIGTERM arrives.
  void wait(bool handle_signals);
  // Stops accepting, closes idle connections, lets in-flight requests (header received) finish
  // and answer for up to stop_timeout, then closes everything and joins the threads. Idempotent
  // and safe from any thread except a handler's own worker thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qblink::http
