// The server's defences against resource exhaustion before any login: inline routes that a busy
// worker pool cannot delay, a budget of body bytes in flight, an early look at a large body's
// first bytes, a minimum body rate, connection caps (global and per address) that close at once,
// a short TLS handshake timeout, and forward-secret AEAD suites only on TLS 1.2.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "http/raw_socket.h"
#include "http/router.h"
#include "http/server.h"
#include "support/test_support.h"

namespace qblink::http {
namespace {

using namespace std::chrono_literals;
using test::RawConnection;
using Clock = std::chrono::steady_clock;

ServerOptions local_options() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.worker_threads = 2;
  return o;
}

ServerOptions tls_options() {
  auto o = local_options();
  o.tls_cert = test::test_cert().cert_file;
  o.tls_key = test::test_cert().key_file;
  return o;
}

Response text(std::string body) {
  Response r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

std::string post_head(std::size_t length, const std::string& extra = "") {
  return "POST /qbwc HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(length) + "\r\n" +
         extra + "\r\n";
}

const std::string kHealth = "GET /health HTTP/1.1\r\nHost: h\r\n\r\n";

// Holds every caller until open() (a worker pool kept busy on purpose).
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool wait_for_waiters(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return waiting_ >= n; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

TEST(LimitsTest, InlineRoutesAnswerWhileEveryWorkerIsBusy) {
  Gate gate;
  Router router;
  router.route("POST", "/qbwc", [&](const Request&) {
    gate.wait();
    return text("slow");
  });
  router.route_inline("GET", "/health", [](const Request&) { return text("ok"); });
  auto o = local_options();
  o.worker_threads = 2;
  Server server(o, router.endpoint());
  server.start();

  std::vector<std::unique_ptr<RawConnection>> busy;
  for (int i = 0; i < 3; ++i) {  // two workers blocked, one request queued behind them
    busy.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(busy.back()->send(post_head(1) + "x"));
  }
  ASSERT_TRUE(gate.wait_for_waiters(2, 5s));

  RawConnection health(server.port());
  const auto start = Clock::now();
  ASSERT_TRUE(health.send(kHealth));
  const auto r = health.read_response(2s);
  const auto elapsed = Clock::now() - start;
  gate.open();
  ASSERT_TRUE(r) << "/health waited behind the busy workers";
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_LT(elapsed, 500ms);
  for (auto& c : busy) {
    const auto done = c->read_response();
    ASSERT_TRUE(done);
    EXPECT_EQ(done->body, "slow");
  }
}

TEST(LimitsTest, RefusesABodyOverTheBudgetWith503AndNo100Continue) {
  std::atomic<int> handled{0};
  auto o = local_options();
  o.body_limit = 4096;
  o.body_budget = 8192;  // two bodies of 4 KB at a time
  Server server(o, [&](const Request& r) {
    ++handled;
    return text(std::to_string(r.body.size()));
  });
  server.start();
  RawConnection a(server.port()), b(server.port());
  ASSERT_TRUE(a.send(post_head(4096) + std::string(100, 'a')));  // bodies still being sent
  ASSERT_TRUE(b.send(post_head(4096) + std::string(100, 'b')));
  std::this_thread::sleep_for(100ms);

  RawConnection c(server.port());
  ASSERT_TRUE(c.send(post_head(4096, "Expect: 100-continue\r\n")));
  const auto refused = c.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503) << refused->head;
  EXPECT_EQ(refused->head.find("100 Continue"), std::string::npos);
  EXPECT_TRUE(refused->has_header("Connection: close"));

  // Small requests still fit, and the budget frees up once a body has been handled.
  RawConnection small(server.port());
  ASSERT_TRUE(small.send(post_head(10) + std::string(10, 's')));
  const auto s = small.read_response();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 503) << "10 bytes do not fit in a full budget either";

  ASSERT_TRUE(a.send(std::string(4096 - 100, 'a')));
  const auto ra = a.read_response();
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->body, "4096");
  RawConnection d(server.port());
  ASSERT_TRUE(d.send(post_head(4096) + std::string(4096, 'd')));
  const auto rd = d.read_response();
  ASSERT_TRUE(rd);
  EXPECT_EQ(rd->status, 200);
  EXPECT_EQ(rd->body, "4096");
}

TEST(LimitsTest, PrefixCheckRefusesALargeBodyBeforeTheRestIsSent) {
  std::atomic<int> checks{0};
  std::atomic<int> handled{0};
  Endpoint e;
  e.handler = [&](const Request& r) {
    ++handled;
    return text(std::to_string(r.body.size()));
  };
  e.body_prefix_check = [&](const Request& head,
                            std::string_view prefix) -> std::optional<Response> {
    ++checks;
    if (head.target == "/qbwc" && prefix.starts_with("<ok")) return std::nullopt;
    Response r = text("no ticket, no body\n");
    r.status = 403;
    return r;
  };
  auto o = local_options();
  o.body_limit = 8u << 20;
  o.body_prefix_threshold = 64u << 10;
  o.body_prefix_bytes = 1024;
  Server server(o, e);
  server.start();

  // 4 MB announced, 2 KB sent: the refusal comes without the rest.
  RawConnection refused(server.port());
  ASSERT_TRUE(refused.send(post_head(4u << 20) + "<no" + std::string(2048, 'x')));
  const auto r = refused.read_response(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body, "no ticket, no body\n");
  EXPECT_TRUE(r->has_header("Connection: close"));
  EXPECT_TRUE(refused.wait_closed(3s));
  EXPECT_EQ(handled.load(), 0);

  // An accepted prefix: the whole body reaches the handler.
  RawConnection accepted(server.port());
  const std::string body = "<ok" + std::string((1u << 20) - 3, 'y');
  ASSERT_TRUE(accepted.send(post_head(body.size()) + body));
  const auto ok = accepted.read_response();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, std::to_string(body.size()));

  // Small bodies are not checked.
  RawConnection small(server.port());
  ASSERT_TRUE(small.send(post_head(5) + "<nope"));
  const auto s = small.read_response();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 200);
  EXPECT_EQ(checks.load(), 2);
}

TEST(LimitsTest, ClosesABodyThatArrivesSlowerThanTheMinimumRate) {
  auto o = local_options();
  o.min_body_bytes = 1024;
  o.min_body_window = 300ms;
  Server server(o, [](const Request&) { return text("done"); });
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(c.send(post_head(100'000)));
  const auto start = Clock::now();
  bool closed = false;
  while (!closed && Clock::now() - start < 5s) {  // 10 bytes every 50 ms: 200 B/s
    closed = !c.send(std::string(10, 'z')) || c.wait_closed(50ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - start, 2s);

  // A body at a decent pace is fine: 2 KB every 100 ms.
  RawConnection good(server.port());
  ASSERT_TRUE(good.send(post_head(10 * 2048)));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(good.send(std::string(2048, 'g')));
    std::this_thread::sleep_for(100ms);
  }
  const auto r = good.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "done");
}

TEST(LimitsTest, ClosesConnectionsOverTheGlobalCapAtOnce) {
  auto o = local_options();
  o.max_connections = 2;
  Server server(o, [](const Request&) { return text("ok"); });
  server.start();
  RawConnection first(server.port()), second(server.port());
  for (auto* c : {&first, &second}) {
    ASSERT_TRUE(c->send(kHealth));
    ASSERT_TRUE(c->read_response());
  }
  RawConnection third(server.port());
  const auto start = Clock::now();
  EXPECT_TRUE(third.wait_closed(1s));
  EXPECT_LT(Clock::now() - start, 1s);
  // Plain HTTP says why before closing.
  EXPECT_NE(third.buffer().find("503 Service Unavailable"), std::string::npos) << third.buffer();
}

TEST(LimitsTest, CapsConnectionsPerClientAddress) {
  auto o = local_options();
  o.max_connections = 100;
  o.max_connections_per_ip = 3;
  Server server(o, [](const Request&) { return text("ok"); });
  server.start();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(held.back()->send(kHealth));
    ASSERT_TRUE(held.back()->read_response());
  }
  RawConnection fourth(server.port());
  EXPECT_TRUE(fourth.wait_closed(1s)) << "the per-address cap did not apply";
  held.pop_back();
  int status = 0;  // a freed slot is usable again once the server has seen the close
  for (const auto start = Clock::now(); status != 200 && Clock::now() - start < 2s;) {
    RawConnection next(server.port());
    if (next.send(kHealth)) {
      const auto r = next.read_response(500ms);
      status = r ? r->status : 0;
    }
    if (status != 200) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(status, 200);
}

TEST(LimitsTest, ClosesTlsConnectionsOverTheCapWithoutAHandshake) {
  auto o = tls_options();
  o.max_connections = 2;
  o.handshake_timeout = 30s;
  Server server(o, [](const Request&) { return text("ok"); });
  server.start();
  RawConnection a(server.port()), b(server.port());  // bare connects: no ClientHello
  std::this_thread::sleep_for(100ms);
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 20; ++i) flood.push_back(std::make_unique<RawConnection>(server.port()));
  const auto start = Clock::now();
  for (auto& c : flood) EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_LT(Clock::now() - start, 2s);
  for (auto& c : flood) EXPECT_EQ(c->buffer(), "");  // no TLS record, no HTTP answer
}

TEST(LimitsTest, DropsATlsClientThatNeverCompletesTheHandshake) {
  auto o = tls_options();
  o.handshake_timeout = 300ms;
  Server server(o, [](const Request&) { return text("ok"); });
  server.start();
  RawConnection silent(server.port());
  const auto start = Clock::now();
  EXPECT_TRUE(silent.wait_closed(3s));
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 2s);
}

TEST(LimitsTest, Tls12AcceptsOnlyForwardSecretAeadSuites) {
  Server server(tls_options(), [](const Request&) { return text("ok"); });
  server.start();
  for (const char* weak : {"AES256-SHA", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA",
                           "ECDHE-RSA-AES256-SHA384", "DHE-RSA-AES128-SHA"}) {
    EXPECT_NE(test::tls_handshake(server.port(), TLS1_2_VERSION, TLS1_2_VERSION, nullptr, weak), "")
        << weak << " was accepted";
  }
  for (const char* strong : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                             "ECDHE-RSA-CHACHA20-POLY1305"}) {
    std::string version;
    EXPECT_EQ(test::tls_handshake(server.port(), TLS1_2_VERSION, TLS1_2_VERSION, &version, strong),
              "")
        << strong;
    EXPECT_EQ(version, "TLSv1.2");
  }
  std::string version;  // TLS 1.3 keeps OpenSSL's defaults
  EXPECT_EQ(test::tls_handshake(server.port(), TLS1_2_VERSION, TLS1_3_VERSION, &version), "");
  EXPECT_EQ(version, "TLSv1.3");
}

}  // namespace
}  // namespace qblink::http
