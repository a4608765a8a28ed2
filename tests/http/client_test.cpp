#include "http/client.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "http/raw_socket.h"
#include "http/router.h"
#include "http/server.h"
#include "support/test_support.h"

namespace qblink::http {
namespace {

using namespace std::chrono_literals;
using test::RawConnection;
using test::RawListener;
using Clock = std::chrono::steady_clock;

ServerOptions local_options() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.worker_threads = 2;
  return o;
}

// Answers with the peer address, so a test can tell connections apart.
Response remote_of(const Request& r) {
  Response out;
  out.content_type = "text/plain";
  out.body = r.remote + "|" + r.body;
  return out;
}

std::string peer(const Response& r) { return r.body.substr(0, r.body.find('|')); }

std::string url_of(const Server& s, const std::string& path = "/qbwc") {
  return std::string(s.is_tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(s.port()) +
         path;
}

std::string url_of(const RawListener& l) {
  return "http://127.0.0.1:" + std::to_string(l.port()) + "/qbwc";
}

const std::string kOk =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

TEST(ClientTest, ReusesOneConnectionForSeveralRequests) {
  Server server(local_options(), remote_of);
  server.start();
  Client client(url_of(server));
  const auto a = client.post("one", "urn:a");
  const auto b = client.post("two", "urn:b");
  const auto c = client.get("/health");
  EXPECT_EQ(a.body.substr(a.body.find('|')), "|one");
  EXPECT_EQ(peer(a), peer(b));
  EXPECT_EQ(peer(a), peer(c));
}

TEST(ClientTest, TalksHttpsToASelfSignedServer) {
  auto o = local_options();
  o.tls_cert = test::test_cert().cert_file;
  o.tls_key = test::test_cert().key_file;
  Server server(o, remote_of);
  server.start();
  Client client(url_of(server));
  const auto a = client.post("secret", "urn:a");
  const auto b = client.post("again", "urn:a");
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(b.body.substr(b.body.find('|')), "|again");
  EXPECT_EQ(peer(a), peer(b));
}

TEST(ClientTest, VerifiesTheServerCertificateWhenAsked) {
  auto o = local_options();
  o.tls_cert = test::test_cert().cert_file;
  o.tls_key = test::test_cert().key_file;
  Server server(o, remote_of);
  server.start();
  ClientOptions trusting;
  trusting.verify_tls = true;
  trusting.ca_file = test::test_cert().cert_file;
  EXPECT_EQ(Client("https://localhost:" + std::to_string(server.port()), trusting).get("/").status,
            200u);

  ClientOptions strict;
  strict.verify_tls = true;  // the system's CAs, which do not include our test certificate
  Client untrusted("https://localhost:" + std::to_string(server.port()), strict);
  EXPECT_THROW(untrusted.get("/"), ClientError);
}

TEST(ClientTest, WaitsFor100ContinueBeforeSendingTheBody) {
  RawListener listener;
  auto observed = std::async(std::launch::async, [&] {
    auto c = listener.accept();
    if (!c || !c->read_until("\r\n\r\n")) return std::string("no header");
    const std::string header = c->buffer();
    // Nothing may follow the header until we say "100 Continue".
    if (c->read_for(150ms) != header) return std::string("body sent early");
    c->buffer().clear();
    c->send("HTTP/1.1 100 Continue\r\n\r\n");
    if (!c->read_until("hello")) return std::string("no body");
    c->send(kOk);
    return header;
  });
  ClientOptions o;
  o.continue_timeout = 5s;  // only the 100 can release the body in time
  Client client(url_of(listener), o);
  const auto start = Clock::now();
  const auto r = client.post("hello", "urn:x");
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "ok");
  const auto header = observed.get();
  EXPECT_NE(header.find("Expect: 100-continue\r\n"), std::string::npos) << header;
  EXPECT_NE(header.find("SOAPAction: \"urn:x\"\r\n"), std::string::npos) << header;
}

TEST(ClientTest, SendsTheBodyAnywayWhenNo100Comes) {
  RawListener listener;
  auto served = std::async(std::launch::async, [&] {
    auto c = listener.accept();
    if (!c || !c->read_until("hello")) return false;  // never answers 100
    return c->send(kOk);
  });
  ClientOptions o;
  o.continue_timeout = 100ms;
  Client client(url_of(listener), o);
  const auto start = Clock::now();
  const auto r = client.post("hello", "urn:x");
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(served.get());
  EXPECT_GE(elapsed, 90ms);
  EXPECT_LT(elapsed, 2s);
}

TEST(ClientTest, OurServerAnswers100SoExpectDoesNotStall) {
  Server server(local_options(), remote_of);
  server.start();
  ClientOptions o;
  o.continue_timeout = 10s;  // a missing 100 would show as a 10 s stall
  Client client(url_of(server), o);
  const auto start = Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.post("<x/>", "urn:a").status, 200u);
  EXPECT_LT(Clock::now() - start, 3s);
}

TEST(ClientTest, ReturnsA413ThatCameInsteadOf100AndRecovers) {
  auto o = local_options();
  o.body_limit = 1024;
  Server server(o, remote_of);
  server.start();
  Client client(url_of(server));
  const auto refused = client.post(std::string(4096, 'x'), "urn:a");
  EXPECT_EQ(refused.status, 413u);
  EXPECT_EQ(client.post("small", "urn:a").status, 200u);
}

TEST(ClientTest, ReconnectsOnceWhenTheServerClosedAKeptAliveConnection) {
  RawListener listener;
  auto served = std::async(std::launch::async, [&] {
    for (int i = 0; i < 2; ++i) {
      auto c = listener.accept();
      if (!c || !c->read_until("body")) return i;
      c->send(kOk);  // keep-alive promised, then closed: what an idle timeout does
    }
    return 2;
  });
  ClientOptions o;
  o.expect_continue = false;
  Client client(url_of(listener), o);
  EXPECT_EQ(client.post("body", "urn:a").status, 200u);
  EXPECT_EQ(client.post("body", "urn:a").status, 200u);
  EXPECT_EQ(served.get(), 2);
}

TEST(ClientTest, ReconnectsAfterOurServerTimedOutTheIdleConnection) {
  auto o = local_options();
  o.idle_timeout = 50ms;
  o.tls_cert = test::test_cert().cert_file;
  o.tls_key = test::test_cert().key_file;
  Server server(o, remote_of);
  server.start();
  Client client(url_of(server));
  const auto first = client.post("a", "urn:a");
  std::this_thread::sleep_for(200ms);  // the server closes the connection meanwhile
  const auto second = client.post("b", "urn:a");
  EXPECT_EQ(second.status, 200u);
  EXPECT_NE(peer(first), peer(second));
}

TEST(ClientTest, DisconnectStartsAFreshConnection) {
  Server server(local_options(), remote_of);
  server.start();
  Client client(url_of(server));
  const auto first = client.post("a", "urn:a");
  client.disconnect();
  const auto second = client.post("b", "urn:a");
  EXPECT_NE(peer(first), peer(second));
}

TEST(ClientTest, ReportsARefusedConnection) {
  std::string url;
  {
    RawListener gone;
    url = url_of(gone);
  }
  Client client(url);
  try {
    client.get("/");
    FAIL() << "expected a ClientError";
  } catch (const ClientError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect to http://127.0.0.1:"), std::string::npos)
        << e.what();
  }
}

TEST(ClientTest, TimesOutOnASilentServer) {
  RawListener silent;  // the kernel completes the connect; nobody ever answers
  ClientOptions o;
  o.timeout = 200ms;
  Client client(url_of(silent), o);
  const auto start = Clock::now();
  try {
    client.post("hello", "urn:a");
    FAIL() << "expected a ClientError";
  } catch (const ClientError& e) {
    EXPECT_NE(std::string(e.what()).find("within 200 ms"), std::string::npos) << e.what();
  }
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(ClientTest, ReturnsRouterErrorsAsResponses) {
  Router router;
  router.route("GET", "/health", [](const Request&) {
    Response r;
    r.content_type = "text/plain";
    r.body = "ok";
    return r;
  });
  Server server(local_options(), router.handler());
  server.start();
  Client client(url_of(server, "/health"));
  EXPECT_EQ(client.get("/health?x=1").body, "ok");
  EXPECT_EQ(client.get("/missing").status, 404u);
  const auto wrong = client.post("x", "urn:a");
  EXPECT_EQ(wrong.status, 405u);
  bool has_allow = false;
  for (const auto& [name, value] : wrong.headers) has_allow |= name == "Allow" && value == "GET";
  EXPECT_TRUE(has_allow);
}

}  // namespace
}  // namespace qblink::http
