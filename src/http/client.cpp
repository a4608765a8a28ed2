// The blocking client. Its Beast code is kept apart from server.cpp so that programs that only
// call a server (the simulator) do not compile or link the listener.
//
// "Blocking" is built from asynchronous operations run to completion on a private io_context:
// that is what gives every step a deadline (beast::tcp_stream expiry) and lets the Expect:
// 100-continue wait race a timer.
#include "http/client.h"

#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

namespace qblink::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;  // `http` alone names our own namespace here
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

// The errors a kept-alive connection gives when the server closed it while we were away.
bool is_stale_connection(const error_code& ec) {
  return ec == net::error::eof || ec == bhttp::error::end_of_stream ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::not_connected || ec == net::error::connection_aborted ||
         ec == ssl::error::stream_truncated;
}

// What one request/response exchange on one connection produced.
struct Outcome {
  std::optional<bhttp::response<bhttp::string_body>> response;
  bool got_header = false;  // some answer (interim or final) began: the request reached a server
  bool body_sent = false;   // the whole request went out
  error_code read_ec;
  error_code write_ec;
};

}  // namespace

struct Client::Impl {
  Url url;
  ClientOptions opts;
  std::string where;  // "host:port" for messages
  net::io_context ioc{1};
  ssl::context tls_ctx{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  Impl(Url u, ClientOptions o) : url(std::move(u)), opts(std::move(o)) {
    const bool v6 = url.host.find(':') != std::string::npos;
    where = (v6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
    tls_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    SSL_CTX_set_min_proto_version(tls_ctx.native_handle(), TLS1_2_VERSION);
    if (opts.verify_tls) {
      tls_ctx.set_verify_mode(ssl::verify_peer);
      error_code ec;
      if (opts.ca_file.empty()) {
        tls_ctx.set_default_verify_paths(ec);
      } else {
        tls_ctx.load_verify_file(opts.ca_file, ec);
      }
      if (ec) throw ClientError("cannot load the CA certificates: " + ec.message());
    } else {
      tls_ctx.set_verify_mode(ssl::verify_none);
    }
  }

  bool connected() const { return plain.has_value() || tls.has_value(); }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Runs the queued operations to completion. If anything throws, the operations still refer
  // to the caller's locals: close the socket and let them finish before unwinding.
  void run() {
    ioc.restart();
    try {
      ioc.run();
    } catch (...) {
      disconnect();
      ioc.restart();
      ioc.run();
      throw;
    }
  }

  void disconnect() {
    if (connected()) {
      error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().close();
    }
    plain.reset();
    tls.reset();
    buffer.clear();
  }

  void connect() {
    disconnect();
    tcp::resolver resolver(ioc);
    error_code ec;
    const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) throw ClientError("cannot resolve " + url.host + ": " + ec.message());

    if (url.scheme == "https") {
      tls.emplace(ioc, tls_ctx);
    } else {
      plain.emplace(ioc);
    }
    lowest().expires_after(opts.timeout);
    lowest().async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      disconnect();
      throw ConnectError("cannot connect to " + url.scheme + "://" + where + ": " + ec.message());
    }
    lowest().socket().set_option(tcp::no_delay(true), ec);

    if (tls) {
      error_code not_ip;
      net::ip::make_address(url.host, not_ip);
      // SNI is for names only (RFC 6066); a certificate is chosen by it on shared hosts.
      if (not_ip && !SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str())) {
        disconnect();
        throw ClientError("cannot set the TLS server name " + url.host);
      }
      if (opts.verify_tls) tls->set_verify_callback(ssl::host_name_verification(url.host));
      tls->async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
      run();
      if (ec) {
        disconnect();
        throw ClientError("TLS handshake with " + where + " failed: " + ec.message());
      }
    }
  }

  template <class Stream>
  Outcome attempt(Stream& stream, bhttp::request<bhttp::string_body>& req, bool expect) {
    Outcome out;
    bhttp::request_serializer<bhttp::string_body> serializer(req);
    std::optional<bhttp::response_parser<bhttp::string_body>> parser;
    net::steady_timer continue_timer(ioc);
    bool body_started = false;
    bool write_pending = false;
    bool final_seen = false;

    auto send_body = [&] {
      body_started = true;
      write_pending = true;
      // Writes what the serializer has left: the body after async_write_header, else it all.
      bhttp::async_write(stream, serializer, [&](error_code ec, std::size_t) {
        write_pending = false;
        out.write_ec = ec;
        out.body_sent = !ec;
      });
    };
    auto finish_read = [&](error_code ec) {
      out.read_ec = ec;
      continue_timer.cancel();
      // An early final answer (e.g. 413) or a dead connection: the rest of the body is moot.
      if (write_pending) lowest().cancel();
    };
    std::function<void()> read_response = [&] {
      parser.emplace();
      // A server's answer can be tens of MB. Not boost::none: Beast 1.74 compares the
      // Content-Length against the optional itself, so "no limit" rejects every body.
      parser->body_limit(std::numeric_limits<std::uint64_t>::max());
      bhttp::async_read_header(stream, buffer, *parser, [&](error_code ec, std::size_t) {
        if (ec) return finish_read(ec);
        out.got_header = true;
        if (parser->get().result() == bhttp::status::continue_) {
          if (!body_started) {
            continue_timer.cancel();
            send_body();
          }
          return read_response();  // the final answer follows
        }
        final_seen = true;
        continue_timer.cancel();
        bhttp::async_read(stream, buffer, *parser, [&](error_code ec2, std::size_t) {
          if (!ec2) out.response = parser->release();
          finish_read(ec2);
        });
      });
    };

    lowest().expires_after(opts.timeout);
    if (expect) {
      bhttp::async_write_header(stream, serializer, [&](error_code ec, std::size_t) {
        if (ec) {
          out.write_ec = ec;
          return;
        }
        read_response();
        // Servers that ignore Expect never send 100; .NET then sends the body anyway.
        continue_timer.expires_after(opts.continue_timeout);
        continue_timer.async_wait([&](error_code wait_ec) {
          if (!wait_ec && !body_started && !final_seen) send_body();
        });
      });
    } else {
      send_body();
      read_response();  // at once: a server may answer before it has read everything
    }
    run();
    return out;
  }

  Response exchange(bhttp::request<bhttp::string_body>& req, bool expect) {
    const bool reused = connected();
    for (int round = 0;; ++round) {
      if (!connected()) connect();
      Outcome out = tls ? attempt(*tls, req, expect) : attempt(*plain, req, expect);
      if (out.response) {
        // The connection stays only if both messages ended cleanly and the server agrees.
        if (!out.body_sent || !out.response->keep_alive()) disconnect();
        return to_response(std::move(*out.response));
      }
      disconnect();
      const error_code ec = out.read_ec ? out.read_ec : out.write_ec;
      // The server closed a kept-alive connection while we were away: the request never
      // reached it, so sending it again on a fresh connection is safe.
      if (reused && round == 0 && !out.got_header && is_stale_connection(ec)) continue;
      if (ec == beast::error::timeout) {
        throw ClientError("no answer from " + where + " within " +
                          std::to_string(opts.timeout.count()) + " ms");
      }
      throw ClientError("HTTP exchange with " + where + " failed: " + ec.message());
    }
  }

  static Response to_response(bhttp::response<bhttp::string_body>&& msg) {
    Response r;
    r.status = msg.result_int();
    r.content_type = std::string(msg[bhttp::field::content_type]);
    for (const auto& field : msg) {
      r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    r.body = std::move(msg.body());
    return r;
  }

  bhttp::request<bhttp::string_body> make_request(bhttp::verb verb, const std::string& target) {
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    const bool default_port =
        (url.scheme == "https" && url.port == 443) || (url.scheme == "http" && url.port == 80);
    const bool v6 = url.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + url.host + "]" : url.host;
    req.set(bhttp::field::host, default_port ? host : host + ":" + std::to_string(url.port));
    req.set(bhttp::field::user_agent, opts.user_agent);
    req.keep_alive(true);
    return req;
  }
};

Client::Client(const std::string& base_url, ClientOptions options)
    : impl_(std::make_unique<Impl>(parse_url(base_url), std::move(options))) {}

Client::~Client() = default;

Response Client::post(const std::string& body, const std::string& soap_action,
                      const std::string& content_type) {
  auto req = impl_->make_request(bhttp::verb::post, impl_->url.target);
  req.set(bhttp::field::content_type, content_type);
  // Spelled and quoted as the Web Connector sends it (Beast's own spelling is "SoapAction").
  req.set("SOAPAction", "\"" + soap_action + "\"");
  const bool expect = impl_->opts.expect_continue && !body.empty();
  if (expect) req.set(bhttp::field::expect, "100-continue");
  req.body() = body;
  req.prepare_payload();
  return impl_->exchange(req, expect);
}

Response Client::get(const std::string& target) {
  auto req = impl_->make_request(bhttp::verb::get, target.empty() ? "/" : target);
  req.prepare_payload();
  return impl_->exchange(req, false);
}

Response Client::request(const std::string& method, const std::string& target,
                         const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& content_type) {
  const auto verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) throw ClientError("unknown HTTP method " + method);
  auto req = impl_->make_request(verb, target.empty() ? "/" : target);
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  return impl_->exchange(req, false);
}

void Client::disconnect() { impl_->disconnect(); }

}  // namespace qblink::http
