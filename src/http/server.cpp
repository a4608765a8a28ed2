// The Beast listener. All of the server's Beast and Asio code lives in this one TU: it costs ~30 s
// to compile, so nothing else includes it (see toolchain.md §6).
#include "http/server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace qblink::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;  // `http` alone names our own namespace here
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

// After an error answer (413, 431, 400, 503) the client may still be sending; closing with unread
// data makes the kernel send RST, which can destroy our answer before the client reads it. So we
// half-close and drain for a moment first.
constexpr std::chrono::seconds kLinger{1};
// A TLS close_notify exchange should take one round trip; do not wait longer for a silent peer.
constexpr std::chrono::seconds kTlsShutdown{2};
// Back-off after an accept error such as EMFILE, so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetry{100};
// TLS 1.2 suites: forward secret (ECDHE) with an AEAD cipher only. TLS 1.3 suites are all AEAD
// and forward secret; OpenSSL's defaults stay for them.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string endpoint_text(const std::string& host, unsigned short port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string unquote(beast::string_view field) {
  std::string_view v(field.data(), field.size());
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

// The Web Connector's serverVersion and clientVersion: small POSTs to /qbwc whose answer needs
// no database, no lock and no password hash (a constant, a version comparison). Handing them to
// the worker pool and back costs two thread wake-ups, most of such a call's CPU (issue 13), so
// they run on the I/O thread. The body is what the SOAP layer dispatches on (not the SOAPAction
// header), so it must name one of the two and no other QBWC method: element names cannot be
// hidden behind entities or prefixes, and a body that names none of them is a fault, also cheap.
// Anything else, or anything larger than a Web Connector's version call, goes to the pool.
bool cheap_soap_call(const Request& request) {
  constexpr std::size_t kMaxBody = 2048;  // QBWC's clientVersion is ~400 bytes
  if (request.method != "POST" || request.body.size() > kMaxBody) return false;
  if (std::string_view(request.target).substr(0, request.target.find('?')) != "/qbwc") return false;
  const std::string_view body(request.body);
  if (body.find("serverVersion") == std::string_view::npos &&
      body.find("clientVersion") == std::string_view::npos)
    return false;
  for (std::string_view other :
       {"authenticate", "sendRequestXML", "receiveResponseXML", "connectionError", "getLastError",
        "closeConnection", "getInteractiveURL", "interactiveDone", "interactiveRejected"})
    if (body.find(other) != std::string_view::npos) return false;
  return true;
}

Response plain_text(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// The request's path for a log line: never the query string, which may carry a secret.
std::string_view path_for_log(const Request& request) {
  return std::string_view(request.target).substr(0, request.target.find('?'));
}

// Runs the application's handler; nothing it throws may reach a worker thread's loop.
template <class F>
Response run_guarded(const F& call, const Request& request) {
  try {
    Response r = call();
    if (r.status < 200 || r.status > 599) {
      spdlog::error("http: handler for {} {} returned invalid status {}", request.method,
                    path_for_log(request), r.status);
      return plain_text(500, "internal server error\n");
    }
    return r;
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} failed: {}", request.method, path_for_log(request),
                  e.what());
  } catch (...) {
    spdlog::error("http: handler for {} {} failed with a non-standard exception", request.method,
                  path_for_log(request));
  }
  return plain_text(500, "internal server error\n");
}

Response run_handler(const Handler& handler, const Request& request) {
  return run_guarded([&] { return handler(request); }, request);
}

// An inline or prefix hook: nullopt passes the request on.
template <class Hook, class... Args>
std::optional<Response> run_hook(const Hook& hook, const Request& request, Args&&... args) {
  if (!hook) return std::nullopt;
  std::optional<Response> answer;
  Response r = run_guarded(
      [&]() -> Response {
        answer = hook(request, std::forward<Args>(args)...);
        return answer ? *answer : Response{};
      },
      request);
  if (!answer) return std::nullopt;
  return r;  // the hook's answer, or a 500 if it threw or gave an invalid status
}

// A malformed request earns a 400; a peer that went away mid-message only a close.
bool is_protocol_error(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
         ec != bhttp::error::need_more && ec != bhttp::error::need_buffer;
}

// What a connection exposes to the server: a way to be told that the server is stopping.
class Connection {
 public:
  virtual ~Connection() = default;
  // Thread-safe; the work happens on the connection's strand.
  virtual void shutdown() = 0;
};

// State shared by the listener and its connections. It outlives every connection (see the
// member order of Server::Impl).
// An address as text, an IPv4-mapped IPv6 address (an IPv4 peer of a dual-stack listener) as
// plain IPv4, so that a trusted proxy is recognised either way.
std::string canonical_address(const net::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

struct Shared {
  using Registration = std::list<std::weak_ptr<Connection>>::iterator;

  ServerOptions options;
  Endpoint endpoint;
  net::thread_pool* pool = nullptr;  // set by start() before the first accept
  bool tls_on = false;               // fixed by the constructor
  // The certificate and key new connections get; reload_tls() swaps it. A connection keeps
  // the one it started with: its SSL object holds a reference to the SSL_CTX.
  std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls;

  std::shared_ptr<ssl::context> current_tls() {
    std::lock_guard lock(tls_mu);
    return tls;
  }

  std::mutex admit_mu;     // guards active and per_ip
  std::size_t active = 0;  // connections counted against max_connections
  std::unordered_map<std::string, std::size_t> per_ip;
  std::atomic<std::size_t> body_bytes{0};  // reserved by requests against body_budget

  // Counts a new connection from `ip` unless a cap is reached; false: close it at once.
  bool admit(const std::string& ip) {
    std::lock_guard lock(admit_mu);
    if (active >= options.max_connections) return false;
    auto& n = per_ip[ip];
    if (n >= options.max_connections_per_ip) return false;
    ++n;
    ++active;
    return true;
  }

  void leave(const std::string& ip) {
    std::lock_guard lock(admit_mu);
    --active;
    if (const auto it = per_ip.find(ip); it != per_ip.end() && --it->second == 0) per_ip.erase(it);
  }

  std::size_t budget() const {
    return options.body_budget ? options.body_budget : 4 * options.body_limit;
  }

  // Reserves `n` body bytes; false when that would exceed the budget.
  bool reserve(std::size_t n) {
    auto current = body_bytes.load();
    do {
      if (n > budget() || current > budget() - n) return false;
    } while (!body_bytes.compare_exchange_weak(current, current + n));
    return true;
  }
  void release(std::size_t n) { body_bytes -= n; }

  std::mutex mu;  // guards live and stopping
  std::condition_variable drained;
  std::list<std::weak_ptr<Connection>> live;
  bool stopping = false;

  // Registers a new connection; false once stop() has begun (the caller then drops it).
  bool add(const std::shared_ptr<Connection>& c, Registration& where) {
    std::lock_guard lock(mu);
    if (stopping) return false;
    where = live.insert(live.end(), c);
    return true;
  }

  void remove(Registration where) {
    std::lock_guard lock(mu);
    live.erase(where);
    if (live.empty()) drained.notify_all();
  }
};

// One accepted connection: plain (beast::tcp_stream) or TLS (beast::ssl_stream). Every step runs
// on the connection's strand; the handler runs on the worker pool and posts its answer back.
template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // Where the connection is, so that stop() knows what it may interrupt: a connection waiting
  // for a request (fresh, handshake, idle, header) is closed; one with a request is answered.
  enum class Phase { Fresh, Handshake, Idle, Header, Body, Handling, Writing, Closing, Closed };

 public:
  // The connection was admitted (Shared::admit) for `ip`; the session releases it.
  template <class... StreamArgs>
  Session(Shared& shared, std::string remote, std::string ip, StreamArgs&&... stream_args)
      : shared_(shared),
        stream_(std::forward<StreamArgs>(stream_args)...),
        remote_(std::move(remote)),
        ip_(std::move(ip)) {}

  ~Session() override {
    if (registered_) shared_.remove(registration_);
    release_budget();
    shared_.leave(ip_);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void set_registration(Shared::Registration where) {
    registration_ = where;
    registered_ = true;
  }

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::on_start, this->shared_from_this()));
  }

  void shutdown() override {
    net::post(stream_.get_executor(),
              beast::bind_front_handler(&Session::on_shutdown, this->shared_from_this()));
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const ServerOptions& opts() const { return shared_.options; }

  void on_start() {
    if (stopping_) return close_now();
    if constexpr (kTls) {
      phase_ = Phase::Handshake;
      lowest().expires_after(opts().handshake_timeout);
      stream_.async_handshake(
          ssl::stream_base::server,
          beast::bind_front_handler(&Session::on_handshake, this->shared_from_this()));
    } else {
      after_connect();
    }
  }

  void on_handshake(error_code ec) {
    if (ec) {
      spdlog::debug("http: TLS handshake with {} failed: {}", remote_, ec.message());
      return close_now();
    }
    after_connect();
  }

  void after_connect() { read_header(); }

  void on_shutdown() {
    stopping_ = true;
    switch (phase_) {
      case Phase::Handshake:
      case Phase::Idle:
      case Phase::Header: {
        // No request to finish: abort the pending read; its handler closes the socket. A
        // composed read (async_read_header) may be between two inner reads right now, with
        // nothing to cancel, so shut the socket down too: its next read then ends at once.
        error_code ignored;
        lowest().socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        lowest().cancel();
        break;
      }
      default:
        break;  // fresh: on_start sees stopping_; later phases close after answering
    }
  }

  // Between requests on a kept-alive connection: wait up to idle_timeout for the first byte,
  // then give the whole header header_timeout. A new connection goes straight to the header.
  void wait_for_request() {
    if (stopping_) return close_gracefully(false);
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    phase_ = Phase::Idle;
    lowest().expires_after(opts().idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(4096),
        beast::bind_front_handler(&Session::on_idle_read, this->shared_from_this()));
  }

  void on_idle_read(error_code ec, std::size_t n) {
    buffer_.commit(n);
    if (ec) return close_now();  // closed by the client, idle timeout, or stop()
    read_header();
  }

  void read_header() {
    if (stopping_) return close_now();
    phase_ = Phase::Header;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(opts().header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(opts().body_limit);
    // One deadline for the whole header: a client dribbling bytes (slowloris) is cut off.
    lowest().expires_after(opts().header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
  }

  void on_header(error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    phase_ = Phase::Body;
    const auto& req = parser_->get();
    if (!parser_->is_done()) {
      // Hold the body's bytes against the global budget before reading (or inviting) it: many
      // large bodies at once must not exhaust memory. A chunked body may grow to body_limit.
      const auto length = parser_->content_length();
      const std::size_t want =
          length ? static_cast<std::size_t>(*length) : opts().body_limit;  // over-limit: 413 below
      if (want <= opts().body_limit) {
        if (!shared_.reserve(want)) {
          spdlog::warn("http: refusing {} bytes from {}: {} body bytes in flight (the budget)",
                       want, remote_, shared_.body_bytes.load());
          return send_error(503, "server busy: too many large requests in flight, retry later\n");
        }
        reserved_ = want;
      }
      const bool large = !length || *length > opts().body_prefix_threshold;
      check_prefix_ = large && static_cast<bool>(shared_.endpoint.body_prefix_check);
    }
    if (req.version() >= 11 && beast::iequals(req[bhttp::field::expect], "100-continue") &&
        !parser_->is_done()) {
      // .NET clients (the Web Connector) send Expect: 100-continue and wait for this interim
      // answer before the body; Beast does not send it on its own.
      continue_.emplace(bhttp::status::continue_, req.version());
      lowest().expires_after(opts().header_timeout);
      bhttp::async_write(
          stream_, *continue_,
          beast::bind_front_handler(&Session::on_continue_sent, this->shared_from_this()));
      return;
    }
    read_body();
  }

  void on_continue_sent(error_code ec, std::size_t) {
    if (ec) return close_now();
    read_body();
  }

  // The body is read piece by piece: it must arrive within body_timeout, keep up the minimum
  // rate, and a large one is shown to the prefix check before the rest is read.
  void read_body() {
    const auto now = std::chrono::steady_clock::now();
    body_deadline_ = now + opts().body_timeout;
    window_start_ = now;
    window_bytes_ = 0;
    read_body_some();
  }

  void read_body_some() {
    if (parser_->is_done()) return on_body({}, 0);
    lowest().expires_at(std::min(window_start_ + opts().min_body_window, body_deadline_));
    bhttp::async_read_some(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_body_some, this->shared_from_this()));
  }

  void on_body_some(error_code ec, std::size_t n) {
    if (ec == beast::error::timeout) {
      spdlog::info("http: closing {}: request body {} ({} bytes received)", remote_,
                   std::chrono::steady_clock::now() >= body_deadline_
                       ? "took longer than the body timeout"
                       : "arrives slower than the minimum rate",
                   parser_->get().body().size());
      return close_now();
    }
    if (ec) return on_read_error(ec);
    window_bytes_ += n;
    if (window_bytes_ >= opts().min_body_bytes) {  // this window's quota is met: start the next
      window_start_ = std::chrono::steady_clock::now();
      window_bytes_ = 0;
    }
    if (parser_->is_done()) return on_body({}, 0);
    if (check_prefix_) {
      const auto& body = parser_->get().body();
      const bool chunked = !parser_->content_length();
      if (body.size() >= (chunked ? opts().body_prefix_threshold : opts().body_prefix_bytes)) {
        check_prefix_ = false;
        return run_prefix_check();
      }
    }
    read_body_some();
  }

  // Shows the head and the first bytes of the body to the endpoint's check, on the worker pool
  // (it may read the database); goes on reading, or sends its refusal and closes.
  void run_prefix_check() {
    phase_ = Phase::Handling;
    const auto& msg = parser_->get();
    Request head = make_request(msg);
    const auto& body = msg.body();
    std::string prefix = body.substr(0, std::max(opts().body_prefix_bytes, std::size_t{1}));
    net::post(*shared_.pool, [self = this->shared_from_this(), head = std::move(head),
                              prefix = std::move(prefix)] {
      auto refusal =
          run_hook(self->shared_.endpoint.body_prefix_check, head, std::string_view(prefix));
      net::post(self->stream_.get_executor(), [self, refusal = std::move(refusal)]() mutable {
        self->after_prefix_check(std::move(refusal));
      });
    });
  }

  void after_prefix_check(std::optional<Response> refusal) {
    if (refusal) {
      spdlog::info(
          "http: refused {} from {} after the first bytes of its body: {}",
          std::string(parser_->get().target().substr(0, parser_->get().target().find('?'))),
          remote_, refusal->status);
      keep_alive_ = false;
      version_ = parser_->get().version();
      parser_.reset();  // drops the part of the body read so far
      release_budget();
      return respond(*refusal, true);
    }
    if (stopping_) return close_now();
    phase_ = Phase::Body;
    read_body_some();
  }

  Request make_request(const bhttp::request<bhttp::string_body>& msg) const {
    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    request.soap_action = unquote(msg[bhttp::field::soapaction]);
    request.content_type = std::string(msg[bhttp::field::content_type]);
    request.remote = remote_;
    request.client_ip = client_address(msg);
    for (const auto& field : msg)
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    return request;
  }

  // The peer, or behind a trusted proxy the rightmost X-Forwarded-For address that no trusted
  // proxy added (ServerOptions::trusted_proxies). Anything unreadable: the peer.
  std::string client_address(const bhttp::request<bhttp::string_body>& msg) const {
    const auto& trusted = shared_.options.trusted_proxies;
    const auto is_trusted = [&](const std::string& ip) {
      return std::find(trusted.begin(), trusted.end(), ip) != trusted.end();
    };
    error_code ec;
    const auto peer = net::ip::make_address(ip_, ec);
    if (ec || !is_trusted(canonical_address(peer))) return ip_;
    std::vector<std::string> hops;
    for (const auto& field : msg) {
      if (!beast::iequals(field.name_string(), "X-Forwarded-For")) continue;
      const std::string value(field.value());
      for (std::size_t start = 0; start <= value.size();) {
        const auto comma = std::min(value.find(',', start), value.size());
        hops.emplace_back(value.substr(start, comma - start));
        start = comma + 1;
      }
    }
    for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
      const auto first = hop->find_first_not_of(" \t");
      const auto last = hop->find_last_not_of(" \t");
      if (first == std::string::npos) return ip_;
      const auto address = net::ip::make_address(hop->substr(first, last - first + 1), ec);
      if (ec) return ip_;
      auto text = canonical_address(address);
      if (!is_trusted(text)) return text;
    }
    return ip_;
  }

  void release_budget() {
    if (reserved_) shared_.release(std::exchange(reserved_, 0));
  }

  void on_read_error(const error_code& ec) {
    if (ec == bhttp::error::body_limit) {
      return send_error(413, "request body too large: the limit is " +
                                 std::to_string(opts().body_limit) + " bytes\n");
    }
    if (ec == bhttp::error::header_limit) {
      return send_error(431, "request header too large\n");
    }
    if (is_protocol_error(ec)) {
      spdlog::debug("http: bad request from {}: {}", remote_, ec.message());
      return send_error(400, "bad request: " + ec.message() + "\n");
    }
    if (ec == beast::error::timeout) {
      spdlog::debug("http: {} timed out while sending a request", remote_);
    }
    close_now();
  }

  void on_body(error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    phase_ = Phase::Handling;
    auto msg = parser_->release();
    parser_.reset();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();

    Request request = make_request(msg);
    request.body = std::move(msg.body());

    // Health checks must answer while every worker is busy: they run here and never block.
    if (auto answer = run_hook(shared_.endpoint.inline_handler, request)) {
      release_budget();
      return respond(*answer);
    }

    if (cheap_soap_call(request)) {
      const Response response = run_handler(shared_.endpoint.handler, request);
      release_budget();
      return respond(response);
    }

    // The handler may block on the database or hash a password: keep it off the I/O threads.
    net::post(
        *shared_.pool, [self = this->shared_from_this(), request = std::move(request)]() mutable {
          Response response = run_handler(self->shared_.endpoint.handler, request);
          { const Request done = std::move(request); }  // the body is freed before its budget is
          net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
            self->release_budget();
            self->respond(response);
          });
        });
  }

  void respond(const Response& r, bool close_after = false) {
    try {
      res_ = {};
      res_.version(version_);
      res_.result(r.status);
      res_.set(bhttp::field::server, "qblink");
      for (const auto& [name, value] : r.headers) {
        const auto known = bhttp::string_to_field(name);
        if (known == bhttp::field::content_type || known == bhttp::field::content_length ||
            known == bhttp::field::connection || known == bhttp::field::server ||
            known == bhttp::field::transfer_encoding) {
          continue;
        }
        res_.insert(name, value);
      }
      res_.set(bhttp::field::content_type, r.content_type);
      res_.body() = r.body;
      res_.keep_alive(keep_alive_ && !stopping_ && !close_after);
      res_.prepare_payload();
    } catch (const std::exception& e) {
      // E.g. a body on a 204: the handler's answer cannot be sent as given.
      spdlog::error("http: cannot send the handler's answer to {}: {}", remote_, e.what());
      res_ = {};
      res_.version(version_);
      res_.result(bhttp::status::internal_server_error);
      res_.set(bhttp::field::content_type, "text/plain; charset=utf-8");
      res_.body() = "internal server error\n";
      res_.keep_alive(false);
      res_.prepare_payload();
    }
    write(!res_.keep_alive(), close_after);
  }

  // An answer after which the connection closes (the request may be unread).
  void send_error(unsigned status, std::string text) {
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.set(bhttp::field::server, "qblink");
    res_.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res_.body() = std::move(text);
    res_.keep_alive(false);
    res_.prepare_payload();
    write(true, true);
  }

  void write(bool close_after, bool linger) {
    phase_ = Phase::Writing;
    lowest().expires_after(opts().body_timeout);
    bhttp::async_write(
        stream_, res_,
        [self = this->shared_from_this(), close_after, linger](error_code ec, std::size_t) {
          self->on_write(ec, close_after, linger);
        });
  }

  void on_write(error_code ec, bool close_after, bool linger) {
    if (ec) return close_now();
    res_ = {};  // release a large body before waiting for the next request
    if (close_after || stopping_) return close_gracefully(linger);
    wait_for_request();
  }

  void close_gracefully(bool linger) {
    phase_ = Phase::Closing;
    if constexpr (kTls) {
      if (!linger) {
        lowest().expires_after(kTlsShutdown);
        stream_.async_shutdown(
            [self = this->shared_from_this()](error_code) { self->close_now(); });
        return;
      }
    }
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (!linger) return close_now();
    lowest().expires_after(kLinger);
    drain();
  }

  // Reads and discards what the client still sends until it closes or kLinger runs out. Works
  // below TLS on purpose: the answer has gone out, only the TCP close matters now.
  void drain() {
    lowest().async_read_some(net::buffer(drain_buffer_),
                             [self = this->shared_from_this()](error_code ec, std::size_t) {
                               if (ec) return self->close_now();
                               self->drain();
                             });
  }

  void close_now() {
    phase_ = Phase::Closed;
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  Shared& shared_;
  Stream stream_;
  std::string remote_;
  std::string ip_;
  bool registered_ = false;
  Shared::Registration registration_;

  Phase phase_ = Phase::Fresh;
  bool stopping_ = false;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  std::size_t reserved_ = 0;  // body bytes held against the budget
  bool check_prefix_ = false;
  std::chrono::steady_clock::time_point body_deadline_;
  std::chrono::steady_clock::time_point window_start_;
  std::size_t window_bytes_ = 0;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  bhttp::response<bhttp::string_body> res_;
  std::array<char, 16 * 1024> drain_buffer_{};
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

bool readable_file(const std::string& path) { return std::ifstream(path).good(); }

ssl::context make_tls_context(const std::string& cert, const std::string& key) {
  if (!readable_file(cert))
    throw ConfigError("cannot read the TLS certificate file '" + cert + "'");
  if (!readable_file(key)) throw ConfigError("cannot read the TLS key file '" + key + "'");
  ssl::context ctx(ssl::context::tls_server);
  // The Web Connector speaks TLS 1.2+; the older versions have known breaks.
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // No CBC (Lucky13-style padding oracles), no SHA-1 MACs, no static-RSA key exchange.
  if (SSL_CTX_set_cipher_list(ctx.native_handle(), kTls12Ciphers) != 1)
    throw ConfigError("this OpenSSL has none of the TLS 1.2 cipher suites qblink allows");
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  error_code ec;
  ctx.use_certificate_chain_file(cert, ec);
  if (ec) {
    throw ConfigError("the TLS certificate file '" + cert +
                      "' is not a valid PEM certificate chain: " + ec.message());
  }
  ctx.use_private_key_file(key, ssl::context::pem, ec);
  if (ec) {
    throw ConfigError("the TLS key file '" + key +
                      "' is not a valid PEM private key: " + ec.message());
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    throw ConfigError("the TLS key '" + key + "' does not match the certificate '" + cert + "'");
  }
  return ctx;
}

tcp::endpoint resolve_listen(net::io_context& ioc, const std::string& host, unsigned short port) {
  error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (!ec) return {address, port};
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    throw ConfigError("cannot resolve the listen host '" + host +
                      "': " + (ec ? ec.message() : std::string("no address")));
  }
  for (const auto& r : results) {  // prefer IPv4: the Web Connector's "localhost" is 127.0.0.1
    if (r.endpoint().address().is_v4()) return r.endpoint();
  }
  return results.begin()->endpoint();
}

}  // namespace

struct Server::Impl {
  // Member order is destruction order reversed: connections (owned by handlers queued in the
  // pool or the io_context) reach into `shared`, so it is declared first and dies last.
  Shared shared;
  net::io_context ioc;
  tcp::acceptor acceptor{net::make_strand(ioc)};
  net::steady_timer accept_retry{acceptor.get_executor()};
  // While a handler runs on the pool its connection has no I/O pending; without this guard
  // ioc.run() would return and the answer would never be written.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<net::thread_pool> pool;
  std::vector<std::thread> io_threads;
  unsigned short port = 0;  // kept: the acceptor is closed after stop()
  std::size_t refused = 0;  // connections closed over a cap (acceptor strand only)

  std::mutex state_mu;  // guards the flags below and signals
  std::condition_variable state_cv;
  std::optional<net::signal_set> signals;
  std::optional<net::signal_set> hangup;  // SIGHUP: reload, never stop
  bool started = false;
  bool stop_requested = false;
  bool stopped = false;
  std::mutex stop_mu;  // serializes stop(): a second caller waits for the first to finish

  Impl(ServerOptions options, Endpoint endpoint) {
    shared.options = std::move(options);
    shared.endpoint = std::move(endpoint);
  }

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
      on_accept(ec, std::move(socket));
    });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      spdlog::warn("http: accept failed: {}", ec.message());
      accept_retry.expires_after(kAcceptRetry);
      accept_retry.async_wait([this](error_code wait_ec) {
        if (!wait_ec && acceptor.is_open()) do_accept();
      });
      return;
    }
    error_code opt_ec;
    // Small request/response exchanges on a kept-alive connection stall ~40 ms per call on
    // delayed ACKs with Nagle on.
    socket.set_option(tcp::no_delay(true), opt_ec);
    std::string remote = "?";
    std::string ip = "?";
    if (const auto ep = socket.remote_endpoint(opt_ec); !opt_ec) {
      ip = ep.address().to_string();
      remote = endpoint_text(ip, ep.port());
    }
    if (!shared.admit(ip)) {
      refuse(socket, remote);
    } else if (shared.tls_on) {
      const auto tls = shared.current_tls();
      launch(std::make_shared<TlsSession>(shared, std::move(remote), std::move(ip),
                                          std::move(socket), *tls));
    } else {
      launch(std::make_shared<PlainSession>(shared, std::move(remote), std::move(ip),
                                            std::move(socket)));
    }
    do_accept();
  }

  // Over a connection cap: close at once, so that a flood of bare connects holds no file handle
  // and costs no handshake. Plain HTTP gets a best-effort 503 first (one non-blocking send).
  void refuse(tcp::socket& socket, const std::string& remote) {
    ++refused;
    if (refused % 100 == 1) {
      spdlog::warn(
          "http: refusing {}: connection cap reached ({} in all or {} per address; {} "
          "refused so far)",
          remote, shared.options.max_connections, shared.options.max_connections_per_ip, refused);
    }
    if (!shared.tls_on) {
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nServer: qblink\r\nContent-Type: text/plain; "
          "charset=utf-8\r\nContent-Length: 52\r\nConnection: close\r\n\r\nserver busy: too "
          "many open connections, retry later\n";
      [[maybe_unused]] const auto sent =
          ::send(socket.native_handle(), kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
    error_code ignored;
    socket.close(ignored);
  }

  template <class S>
  void launch(const std::shared_ptr<S>& session) {
    Shared::Registration where;
    if (!shared.add(session, where)) return;  // stopping: the session dies and closes here
    session->set_registration(where);
    session->start();
  }

  void run_io() {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        // A bug in one connection must not take the listener down.
        spdlog::error("http: unexpected exception on an I/O thread: {}", e.what());
      }
    }
  }
};

Server::Server(ServerOptions options, Handler handler)
    : Server(std::move(options), Endpoint{std::move(handler), {}, {}}) {}

Server::Server(ServerOptions options, Endpoint endpoint)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(endpoint))) {
  auto& o = impl_->shared.options;
  if (!impl_->shared.endpoint.handler) throw ConfigError("the HTTP server needs a request handler");
  if (o.tls_cert.has_value() != o.tls_key.has_value()) {
    throw ConfigError("--tls-cert and --tls-key must be given together");
  }
  const bool tls = o.tls_cert.has_value();
  if (!tls && !o.allow_http && !is_loopback_host(o.host)) {
    throw ConfigError("refusing plain HTTP on " + o.host +
                      ": the Web Connector refuses plain HTTP for any host but localhost; use "
                      "--tls-cert/--tls-key, or --allow-http behind a TLS proxy");
  }
  for (auto& proxy : o.trusted_proxies) {
    error_code bad;
    const auto address = net::ip::make_address(proxy, bad);
    if (bad)
      throw ConfigError("--trusted-proxy wants an IP address, got '" + proxy +
                        "' (name each balancer's address; no ranges)");
    proxy = canonical_address(address);  // the form peers are compared in
  }
  if (o.io_threads == 0) o.io_threads = 1;
  if (o.worker_threads == 0) o.worker_threads = 1;
  if (tls) {
    impl_->shared.tls = std::make_shared<ssl::context>(make_tls_context(*o.tls_cert, *o.tls_key));
    impl_->shared.tls_on = true;
  }

  const auto listen_at = resolve_listen(impl_->ioc, o.host, o.port);
  const std::string where = endpoint_text(listen_at.address().to_string(), o.port);
  auto& acceptor = impl_->acceptor;
  error_code ec;
  acceptor.open(listen_at.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(listen_at, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw ConfigError("cannot listen on " + where + ": " + ec.message());
  impl_->port = acceptor.local_endpoint().port();
}

Server::~Server() { stop(); }

unsigned short Server::port() const { return impl_->port; }

bool Server::is_tls() const { return impl_->shared.tls_on; }

bool Server::reload_tls() {
  auto& sh = impl_->shared;
  if (!sh.tls_on) return false;
  const auto& o = sh.options;
  try {
    auto fresh = std::make_shared<ssl::context>(make_tls_context(*o.tls_cert, *o.tls_key));
    {
      std::lock_guard lock(sh.tls_mu);
      sh.tls = std::move(fresh);
    }
    spdlog::info("http: TLS certificate reloaded from {} (new connections use it)", *o.tls_cert);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("http: TLS certificate not reloaded, still serving the previous one: {}",
                  e.what());
    return false;
  }
}

void Server::start() {
  auto& im = *impl_;
  {
    std::lock_guard lock(im.state_mu);
    if (im.started || im.stop_requested) return;
    im.started = true;
  }
  im.work.emplace(im.ioc.get_executor());
  im.pool.emplace(im.shared.options.worker_threads);
  im.shared.pool = &*im.pool;
  net::post(im.acceptor.get_executor(), [&im] { im.do_accept(); });
  for (unsigned i = 0; i < im.shared.options.io_threads; ++i) {
    im.io_threads.emplace_back([&im] { im.run_io(); });
  }
}

void Server::wait(bool handle_signals) {
  auto& im = *impl_;
  start();
  {
    std::unique_lock lock(im.state_mu);
    if (handle_signals && !im.stop_requested && !im.signals) {
      im.signals.emplace(im.ioc, SIGINT, SIGTERM);
      im.signals->async_wait([&im](error_code ec, int signal) {
        if (ec) return;
        spdlog::info("http: signal {} received, stopping", signal);
        std::lock_guard inner(im.state_mu);
        im.stop_requested = true;
        im.state_cv.notify_all();
      });
      im.hangup.emplace(im.ioc, SIGHUP);
      wait_for_hangup();
    }
    im.state_cv.wait(lock, [&] { return im.stop_requested || im.stopped; });
  }
  stop();  // performs the stop after a signal, or waits for a concurrent stop() to finish
}

void Server::wait_for_hangup() {
  auto& im = *impl_;
  im.hangup->async_wait([this](error_code ec, int) {
    if (ec) return;
    spdlog::info("http: SIGHUP received: reloading");
    reload_tls();
    if (impl_->shared.options.on_hangup) {
      try {
        impl_->shared.options.on_hangup();
      } catch (const std::exception& e) {
        spdlog::error("http: SIGHUP handler failed: {}", e.what());
      }
    }
    std::lock_guard lock(impl_->state_mu);
    if (impl_->hangup) wait_for_hangup();
  });
}

void Server::stop() {
  auto& im = *impl_;
  std::lock_guard stop_lock(im.stop_mu);
  bool started = false;
  {
    std::lock_guard lock(im.state_mu);
    if (im.stopped) return;
    im.stop_requested = true;
    started = im.started;
    im.state_cv.notify_all();
  }

  // From here on no new connection registers; the ones we collect are all there are.
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(im.shared.mu);
    im.shared.stopping = true;
    for (const auto& weak : im.shared.live) {
      if (auto c = weak.lock()) open.push_back(std::move(c));
    }
  }

  if (started) {
    net::post(im.acceptor.get_executor(), [&im] {
      error_code ignored;
      im.acceptor.close(ignored);
      im.accept_retry.cancel();
    });
    for (const auto& c : open) c->shutdown();
    open.clear();  // outside shared.mu: the last reference may run a destructor that takes it

    const auto deadline = std::chrono::steady_clock::now() + im.shared.options.stop_timeout;
    std::unique_lock lock(im.shared.mu);
    if (!im.shared.drained.wait_until(lock, deadline, [&] { return im.shared.live.empty(); })) {
      spdlog::warn("http: {} connection(s) still busy after {} ms; closing them",
                   im.shared.live.size(), im.shared.options.stop_timeout.count());
    }
  } else {
    error_code ignored;
    im.acceptor.close(ignored);
  }

  im.work.reset();
  im.ioc.stop();
  for (auto& t : im.io_threads) t.join();
  im.io_threads.clear();
  if (im.pool) {
    // A handler still running past stop_timeout is waited for: a thread cannot be killed.
    im.pool->stop();
    im.pool->join();
    im.pool.reset();  // destroys abandoned work (and its connections) while ioc is alive
  }

  std::lock_guard lock(im.state_mu);
  im.signals.reset();
  im.hangup.reset();
  im.stopped = true;
  im.state_cv.notify_all();
}

}  // namespace qblink::http
