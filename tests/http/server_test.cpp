#include "http/server.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <future>
#include <thread>

#include "http/client.h"
#include "http/raw_socket.h"
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

// Answers with what it received, so a test can see the Request the server built.
Response echo(const Request& r) {
  Response out;
  out.content_type = "text/plain; charset=utf-8";
  out.body = r.method + " " + r.target + "|" + r.soap_action + "|" + r.content_type + "|" + r.body;
  return out;
}

std::string post_request(const std::string& body, const std::string& extra_fields = "") {
  return "POST /qbwc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_fields + "\r\n" + body;
}

const std::string kGet = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::string base_url(const Server& s) {
  return std::string(s.is_tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(s.port()) +
         "/qbwc";
}

std::string config_error(const ServerOptions& o) {
  try {
    Server s(o, echo);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ServerTest, RoundTripsGetAndPostOverHttp) {
  Server server(local_options(), echo);
  server.start();
  Client client(base_url(server));
  const auto post = client.post("<x/>", "urn:op");
  EXPECT_EQ(post.status, 200u);
  EXPECT_EQ(post.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(post.body, "POST /qbwc|urn:op|text/xml; charset=utf-8|<x/>");
  const auto get = client.get("/health?probe=1");
  EXPECT_EQ(get.status, 200u);
  EXPECT_EQ(get.body, "GET /health?probe=1|||");
}

TEST(ServerTest, RoundTripsPostOverHttps) {
  Server server(tls_options(), echo);
  ASSERT_TRUE(server.is_tls());
  server.start();
  Client client(base_url(server));
  const auto post = client.post("<hello/>", "urn:op");
  EXPECT_EQ(post.status, 200u);
  EXPECT_EQ(post.body, "POST /qbwc|urn:op|text/xml; charset=utf-8|<hello/>");
  EXPECT_EQ(client.get("/health").status, 200u);
}

TEST(ServerTest, AnswersExpectContinueBeforeTheBodyIsSent) {
  Server server(local_options(), echo);
  server.start();
  RawConnection c(server.port());
  const std::string body = "<envelope/>";
  const std::string request = post_request(body, "Expect: 100-continue\r\n");
  ASSERT_TRUE(c.send(request.substr(0, request.size() - body.size())));  // header only
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  EXPECT_EQ(c.buffer(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.buffer().clear();
  ASSERT_TRUE(c.send(body));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /qbwc||text/xml|<envelope/>");
}

TEST(ServerTest, StripsTheQuotesAroundSoapAction) {
  Server server(local_options(), echo);
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(
      c.send(post_request("b", "SOAPAction: \"http://developer.intuit.com/authenticate\"\r\n")));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST /qbwc|http://developer.intuit.com/authenticate|text/xml|b");
}

TEST(ServerTest, KeepsTheConnectionAliveBetweenRequests) {
  Server server(local_options(), [](const Request& r) {
    Response out;
    out.content_type = "text/plain";
    out.body = r.remote;
    return out;
  });
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(c.send(kGet));
  const auto first = c.read_response();
  ASSERT_TRUE(first);
  ASSERT_TRUE(c.send(post_request("second")));
  const auto second = c.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  EXPECT_TRUE(first->has_header("Content-Type: text/plain\r\n"));
  EXPECT_FALSE(first->has_header("Connection: close"));
  EXPECT_EQ(first->body, second->body);  // same peer address and port: one connection
  EXPECT_NE(first->body.find("127.0.0.1:"), std::string::npos);
}

TEST(ServerTest, ClosesAfterAnHttp10RequestWithoutKeepAlive) {
  Server server(local_options(), echo);
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.0\r\n\r\n"));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.wait_closed(2s));
}

TEST(ServerTest, RejectsABodyOverTheLimitWith413AndKeepsServing) {
  auto o = local_options();
  o.body_limit = 1024;
  Server server(o, echo);
  server.start();
  {
    RawConnection c(server.port());
    ASSERT_TRUE(c.send(post_request(std::string(4096, 'x'))));
    const auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(r->has_header("Connection: close"));
    EXPECT_NE(r->body.find("too large"), std::string::npos);
    EXPECT_TRUE(c.wait_closed(2s));
  }
  RawConnection fresh(server.port());
  ASSERT_TRUE(fresh.send(post_request(std::string(1024, 'y'))));
  const auto ok = fresh.read_response();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(ServerTest, AnswersExpectWith413InsteadOf100WhenTheDeclaredBodyIsTooLarge) {
  auto o = local_options();
  o.body_limit = 1024;
  Server server(o, echo);
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(
      c.send("POST /qbwc HTTP/1.1\r\nHost: h\r\nContent-Length: 4096\r\n"
             "Expect: 100-continue\r\n\r\n"));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);  // the client is spared sending 4 KB for nothing
}

TEST(ServerTest, AcceptsATwentyMegabyteBodyWithTheDefaultLimit) {
  Server server(local_options(), [](const Request& r) {
    Response out;
    out.body = std::to_string(r.body.size()) + r.body.front() + r.body.back();
    return out;
  });
  server.start();
  std::string body(20u << 20, 'q');
  body.front() = '<';
  body.back() = '>';
  Client client(base_url(server));
  const auto r = client.post(body, "urn:big");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, std::to_string(20u << 20) + "<>");
}

TEST(ServerTest, CutsOffAClientThatSendsItsHeaderSlowly) {
  auto o = local_options();
  o.header_timeout = 200ms;
  Server server(o, echo);
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: h\r\nX-Slow: "));
  const auto start = Clock::now();
  bool closed = false;
  // Slowloris: one byte every 20 ms keeps a per-read timeout happy forever.
  while (!closed && Clock::now() - start < 3s) {
    closed = !c.send("a") || c.wait_closed(20ms);
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 1500ms);
}

TEST(ServerTest, ClosesAKeptAliveConnectionAfterTheIdleTimeout) {
  auto o = local_options();
  o.idle_timeout = 100ms;
  Server server(o, echo);
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(c.send(kGet));
  ASSERT_TRUE(c.read_response());
  const auto start = Clock::now();
  EXPECT_TRUE(c.wait_closed(3s));
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST(ServerTest, RejectsAnOversizedHeaderWith431) {
  auto o = local_options();
  o.header_limit = 1024;
  Server server(o, echo);
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(
      c.send("GET / HTTP/1.1\r\nHost: h\r\nCookie: " + std::string(4000, 'c') + "\r\n\r\n"));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.wait_closed(2s));
}

TEST(ServerTest, RejectsGarbageWith400) {
  Server server(local_options(), echo);
  server.start();
  RawConnection c(server.port());
  ASSERT_TRUE(c.send("NOT HTTP AT ALL\r\n\r\n"));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST(ServerTest, RefusesTls11AndAcceptsTls12) {
  Server server(tls_options(), echo);
  server.start();
  const auto refused = test::tls_handshake(server.port(), TLS1_VERSION, TLS1_1_VERSION);
  EXPECT_NE(refused.find("protocol version"), std::string::npos) << refused;
  std::string version;
  EXPECT_EQ(test::tls_handshake(server.port(), TLS1_2_VERSION, TLS1_2_VERSION, &version), "");
  EXPECT_EQ(version, "TLSv1.2");
}

TEST(ServerTest, RefusesPlainHttpOnANonLoopbackAddress) {
  auto o = local_options();
  o.host = "0.0.0.0";
  const auto message = config_error(o);
  EXPECT_NE(message.find("refuses plain HTTP for any host but localhost"), std::string::npos)
      << message;
  EXPECT_NE(message.find("--tls-cert/--tls-key"), std::string::npos) << message;
  EXPECT_NE(message.find("--allow-http"), std::string::npos) << message;

  o.allow_http = true;
  Server behind_proxy(o, echo);
  EXPECT_NE(behind_proxy.port(), 0);
  EXPECT_FALSE(behind_proxy.is_tls());

  auto tls = tls_options();
  tls.host = "0.0.0.0";
  Server public_tls(tls, echo);
  EXPECT_TRUE(public_tls.is_tls());
}

TEST(ServerTest, ReportsBadTlsFilesAsConfigErrors) {
  test::TempDir dir;
  auto o = local_options();
  o.tls_cert = test::test_cert().cert_file;
  EXPECT_NE(config_error(o).find("--tls-cert and --tls-key must be given together"),
            std::string::npos);

  o.tls_key = (dir / "missing.pem").string();
  EXPECT_NE(config_error(o).find("cannot read the TLS key file"), std::string::npos);

  test::write_file(dir / "junk.pem", "not a certificate\n");
  o.tls_cert = (dir / "junk.pem").string();
  o.tls_key = test::test_cert().key_file;
  EXPECT_NE(config_error(o).find("is not a valid PEM certificate"), std::string::npos)
      << config_error(o);

  o.tls_cert = test::test_cert().cert_file;
  o.tls_key = (dir / "junk.pem").string();
  EXPECT_NE(config_error(o).find("is not a valid PEM private key"), std::string::npos)
      << config_error(o);
}

TEST(ServerTest, ReportsAPortInUseWithTheAddress) {
  Server first(local_options(), echo);
  auto o = local_options();
  o.port = first.port();
  const auto message = config_error(o);
  EXPECT_NE(message.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("in use"), std::string::npos) << message;
}

TEST(ServerTest, AnswersAThrowingHandlerWith500AndKeepsRunning) {
  Server server(local_options(), [](const Request& r) -> Response {
    if (r.target == "/boom") throw std::runtime_error("boom");
    return echo(r);
  });
  server.start();
  Client client(base_url(server));
  const auto failed = client.get("/boom");
  EXPECT_EQ(failed.status, 500u);
  EXPECT_EQ(failed.content_type, "text/plain; charset=utf-8");
  EXPECT_FALSE(failed.body.empty());
  EXPECT_EQ(client.get("/fine").status, 200u);
}

TEST(ServerTest, StopDeliversTheAnswerOfARunningHandler) {
  std::promise<void> entered;
  Server server(local_options(), [&](const Request& r) {
    if (r.method != "POST") return echo(r);
    entered.set_value();
    std::this_thread::sleep_for(300ms);
    Response out;
    out.body = "slow but delivered";
    return out;
  });
  server.start();
  RawConnection idle(server.port());  // a kept-alive connection with nothing to do
  ASSERT_TRUE(idle.send(kGet));
  ASSERT_TRUE(idle.read_response());
  RawConnection busy(server.port());
  ASSERT_TRUE(busy.send(post_request("work")));
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);

  server.stop();
  const auto r = busy.read_response(1s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slow but delivered");
  EXPECT_TRUE(r->has_header("Connection: close"));
  EXPECT_TRUE(busy.wait_closed(1s));
  EXPECT_TRUE(idle.wait_closed(1s));
  server.stop();  // a second stop is harmless
}

TEST(ServerTest, StopClosesIdleConnectionsAtOnce) {
  auto o = local_options();
  o.idle_timeout = 60s;
  o.header_timeout = 60s;
  Server server(o, echo);
  server.start();
  RawConnection idle(server.port());
  ASSERT_TRUE(idle.send(kGet));
  ASSERT_TRUE(idle.read_response());
  RawConnection half(server.port());  // a header that never ends
  ASSERT_TRUE(half.send("GET / HTTP/1.1\r\n"));
  RawConnection silent(server.port());

  const auto start = Clock::now();
  server.stop();
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_TRUE(idle.wait_closed(1s));
  EXPECT_TRUE(half.wait_closed(1s));
  EXPECT_TRUE(silent.wait_closed(1s));
}

TEST(ServerTest, WaitReturnsWhenAnotherThreadStops) {
  Server server(local_options(), echo);
  server.start();
  auto waiter = std::async(std::launch::async, [&] { server.wait(false); });
  EXPECT_EQ(waiter.wait_for(50ms), std::future_status::timeout);
  server.stop();
  EXPECT_EQ(waiter.wait_for(5s), std::future_status::ready);
}

// True once `pid` has a handler installed for `signal` (Linux: the SigCgt mask in /proc).
bool catches_signal(pid_t pid, int signal) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("SigCgt:", 0) == 0) {
      return (std::stoull(line.substr(7), nullptr, 16) >> (signal - 1)) & 1u;
    }
  }
  return false;
}

TEST(ServerTest, WaitStopsGracefullyOnSigterm) {
  // In a child process: a signal aimed at this test program would hit every test in it.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 1;
    try {
      Server server(local_options(), echo);
      const unsigned short port = server.port();
      if (::write(ready[1], &port, sizeof port) != sizeof port) ::_exit(3);
      server.wait(true);
      code = 0;
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }
  ::close(ready[1]);
  unsigned short port = 0;
  ASSERT_TRUE(test::wait_readable(ready[0], 5s));
  ASSERT_EQ(::read(ready[0], &port, sizeof port), static_cast<ssize_t>(sizeof port));
  ::close(ready[0]);

  RawConnection c(port);
  ASSERT_TRUE(c.send(kGet));
  const auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Signal only once wait() has its handler in place; before that SIGTERM would kill the child.
  for (const auto start = Clock::now(); !catches_signal(child, SIGTERM);) {
    if (Clock::now() - start > 5s) break;
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(catches_signal(child, SIGTERM));
  ASSERT_EQ(::kill(child, SIGTERM), 0);

  int status = 0;
  for (const auto start = Clock::now(); ::waitpid(child, &status, WNOHANG) == 0;) {
    if (Clock::now() - start > 5s) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      FAIL() << "the server did not stop on SIGTERM";
    }
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);  // wait() returned: the stop was ours, not the signal's
}

TEST(ServerTest, AnswersConnectionsOverTheCapWith503) {
  auto o = local_options();
  o.max_connections = 2;
  Server server(o, echo);
  server.start();
  std::optional<RawConnection> first(std::in_place, server.port());
  RawConnection second(server.port());
  for (auto* c : {&*first, &second}) {  // both served, so both are counted
    ASSERT_TRUE(c->send(kGet));
    const auto r = c->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }

  RawConnection third(server.port());
  // Refused at accept: a 503 is written at once and the socket closed without reading.
  EXPECT_TRUE(third.wait_closed(2s));
  EXPECT_EQ(third.buffer().rfind("HTTP/1.1 503", 0), 0u) << third.buffer();

  // A freed slot is usable again once the server has seen the close.
  first.reset();
  int status = 0;
  for (const auto start = Clock::now(); status != 200 && Clock::now() - start < 2s;) {
    RawConnection next(server.port());
    if (!next.send(kGet)) continue;
    const auto r = next.read_response();
    status = r ? r->status : 0;
    if (status != 200) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(status, 200);
}

TEST(ServerTest, ServesRequestsFromManyThreads) {
  auto o = local_options();
  o.io_threads = 2;
  Server server(o, echo);
  server.start();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        Client client(base_url(server));
        for (int i = 0; i < 25; ++i) {
          const auto body = std::to_string(t) + ":" + std::to_string(i);
          if (client.post(body, "a").body == "POST /qbwc|a|text/xml; charset=utf-8|" + body) ++ok;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
}

// Behind a balancer every peer is the balancer. With it named in trusted_proxies, the client is
// the rightmost X-Forwarded-For address that no trusted proxy added (a client can put anything
// first, never what its proxy appends); from any other peer the header means nothing.
TEST(ServerTest, TakesTheClientAddressFromXForwardedForOnlyFromATrustedProxy) {
  const Handler client_ip = [](const Request& r) {
    Response out;
    out.content_type = "text/plain";
    out.body = r.client_ip;
    return out;
  };
  auto o = local_options();
  o.trusted_proxies = {"127.0.0.1", "10.0.0.2"};
  Server behind(o, client_ip);
  behind.start();
  Server direct(local_options(), client_ip);
  direct.start();
  const auto ip = [](const Server& s, const std::vector<std::string>& forwarded) {
    Client client(base_url(s));
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& f : forwarded) fields.emplace_back("X-Forwarded-For", f);
    return client.request("GET", "/who", "", fields).body;
  };
  EXPECT_EQ(ip(behind, {}), "127.0.0.1");
  EXPECT_EQ(ip(behind, {"203.0.113.7"}), "203.0.113.7");
  EXPECT_EQ(ip(behind, {"198.51.100.1, 203.0.113.7"}), "203.0.113.7") << "the first is forged";
  EXPECT_EQ(ip(behind, {"203.0.113.7, 10.0.0.2"}), "203.0.113.7") << "two trusted hops";
  EXPECT_EQ(ip(behind, {"198.51.100.1", "203.0.113.7"}), "203.0.113.7") << "two fields";
  EXPECT_EQ(ip(behind, {" 2001:db8::5 "}), "2001:db8::5");
  EXPECT_EQ(ip(behind, {"not-an-address"}), "127.0.0.1");
  EXPECT_EQ(ip(behind, {"10.0.0.2"}), "127.0.0.1") << "only trusted hops: the peer";
  EXPECT_EQ(ip(direct, {"203.0.113.7"}), "127.0.0.1");

  auto bad = local_options();
  bad.trusted_proxies = {"10.0.0.0/8"};
  EXPECT_NE(config_error(bad).find("10.0.0.0/8"), std::string::npos) << config_error(bad);
}

TEST(LoopbackTest, RecognisesLoopbackHosts) {
  for (const char* host :
       {"127.0.0.1", "127.1.2.3", "::1", "localhost", "LocalHost", "[::1]", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", "",
                           "localhost.example.com", "127.0.0.1.nip.io"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

}  // namespace
}  // namespace qblink::http
