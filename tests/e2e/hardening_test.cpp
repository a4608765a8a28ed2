// Hardening against a client that never logs in, end to end: the real server on loopback, the
// real endpoint (gSOAP behind it), a real SQLite file. See docs/SECURITY.md.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "e2e/harness.h"
#include "http/client.h"
#include "http/raw_socket.h"
#include "support/tenant.h"

namespace qblink::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string base(unsigned short port) { return "http://127.0.0.1:" + std::to_string(port); }

// A server on the harness's service with the options a test needs.
std::unique_ptr<http::Server> serve(Harness& h, cli::EndpointOptions eo = {},
                                    http::ServerOptions o = {}) {
  o.port = 0;
  o.body_limit = eo.body_limit;
  auto s = std::make_unique<http::Server>(o, cli::make_endpoint(*h.service, eo));
  s->start();
  return s;
}

std::string envelope(const std::string& inner, const std::string& envelope_attrs = "") {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope "
         "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"" +
         envelope_attrs + "><soap:Body>" + inner + "</soap:Body></soap:Envelope>";
}

// gSOAP's attribute handling is quadratic: before the pre-pass, 20,000 attributes on one element
// kept a worker busy for 1.8 s here (4 at once: 3.6 s on 2 cores); 100,000 (1 MB) for minutes.
std::string hostile_envelope(std::size_t attributes) {
  std::string attrs;
  for (std::size_t i = 0; i < attributes; ++i) attrs += " xmlns:p" + std::to_string(i) + "=\"u\"";
  return envelope("<serverVersion xmlns=\"http://developer.intuit.com/\"/>", attrs);
}

TEST(Hardening, HostileEnvelopesAreRefusedFastAndHealthStaysPrompt) {
  Harness h;
  http::ServerOptions o;
  o.worker_threads = 4;
  // A body this large without an open session's ticket is refused before it is read whole
  // (see below); raise that threshold so that the envelopes reach the SOAP layer's pre-pass, as
  // a smaller one or one from a logged-in client would.
  o.body_prefix_threshold = 64u << 20;
  auto server = serve(h, {}, o);
  const auto body = hostile_envelope(20'000);

  const auto start = Clock::now();
  std::vector<std::future<std::pair<unsigned, Clock::duration>>> attacks;
  for (int i = 0; i < 4; ++i) {
    attacks.push_back(std::async(std::launch::async, [&] {
      http::Client c(base(server->port()) + "/qbwc");
      const auto t0 = Clock::now();
      const auto r = c.post(body, "\"http://developer.intuit.com/serverVersion\"");
      return std::make_pair(r.status, Clock::now() - t0);
    }));
  }
  http::Client health(base(server->port()) + "/health");
  const auto t0 = Clock::now();
  EXPECT_EQ(health.get("/health").status, 200u);
  EXPECT_LT(Clock::now() - t0, 1s) << "/health waited behind the attack";
  for (auto& a : attacks) {
    const auto [status, took] = a.get();
    EXPECT_EQ(status, 400u);
    EXPECT_LT(took, 1500ms) << "a hostile envelope kept a worker busy";
  }
  EXPECT_LT(Clock::now() - start, 2s);
  // And a real call still works.
  http::Client c(base(server->port()) + "/qbwc");
  const auto ok = c.post(envelope("<serverVersion xmlns=\"http://developer.intuit.com/\"/>"),
                         "\"http://developer.intuit.com/serverVersion\"");
  EXPECT_EQ(ok.status, 200u);

  // With the default threshold the same envelope never gets that far: no ticket, 403.
  auto defaults = serve(h);
  http::Client d(base(defaults->port()) + "/qbwc");
  EXPECT_EQ(d.post(body, "").status, 403u);
}

TEST(Hardening, MillionLevelNestingGets400AndTheServerKeepsServing) {
  Harness h;
  http::ServerOptions o;
  o.body_prefix_threshold = 64u << 20;  // let the 7 MB body reach the SOAP layer
  auto server = serve(h, {}, o);
  std::string deep;
  for (int i = 0; i < 1'000'000; ++i) deep += "<a>";
  for (int i = 0; i < 1'000'000; ++i) deep += "</a>";
  http::Client c(base(server->port()) + "/qbwc");
  EXPECT_EQ(c.post(deep, "").status, 400u);
  http::Client again(base(server->port()) + "/qbwc");
  EXPECT_EQ(again.get("/health").status, 200u);
}

// Writes random bytes over the middle half of a file.
void corrupt_middle(const std::string& path) {
  const auto size = std::filesystem::file_size(path);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(size / 4));
  std::mt19937 rng(42);
  std::string junk(size / 2, '\0');
  for (auto& ch : junk) ch = static_cast<char>(rng());
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

TEST(Hardening, HealthReportsADamagedDatabase) {
  if (e2e_engine() == store::Engine::Postgres) GTEST_SKIP() << "damages a SQLite file";
  TempDir dir;
  const auto path = (dir / "qblink.db").string();
  {
    // Enough rows for many pages; closing the last connection checkpoints the WAL into the file.
    store::SqliteStore seed(path);
    std::vector<store::AccountRow> rows;
    for (int i = 0; i < 3000; ++i)
      rows.push_back(customer("C" + std::to_string(i), "Customer number " + std::to_string(i)));
    seed_tenant(seed, "acme", "secret-pw", rows);
  }
  Harness h(false, {}, path);
  cli::EndpointOptions eo;
  eo.readiness_check = [&h] { return h.store->check(); };
  eo.readiness_interval = 100ms;
  auto server = serve(h, eo);
  http::Client c(base(server->port()) + "/qbwc");
  EXPECT_EQ(c.get("/health").status, 200u);
  EXPECT_EQ(c.get("/health/ready").status, 200u);
  EXPECT_EQ(c.get("/health/live").status, 200u);

  corrupt_middle(path);
  http::Response ready;
  for (const auto start = Clock::now(); Clock::now() - start < 5s;) {
    ready = c.get("/health/ready");
    if (ready.status != 200) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(ready.status, 503u);
  EXPECT_NE(ready.body.find("not ready: database"), std::string::npos) << ready.body;
  const auto health = c.get("/health");
  EXPECT_EQ(health.status, 503u);
  EXPECT_EQ(health.body, ready.body);
  EXPECT_EQ(c.get("/health/live").status, 200u) << "the process is up";
}

std::string receive_response(const std::string& ticket, std::size_t response_bytes) {
  return envelope("<receiveResponseXML xmlns=\"http://developer.intuit.com/\"><ticket>" + ticket +
                  "</ticket><response>" + std::string(response_bytes, 'r') +
                  "</response><hresult /><message /></receiveResponseXML>");
}

std::string post_head(std::size_t length) {
  return "POST /qbwc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n"
         "SOAPAction: \"http://developer.intuit.com/receiveResponseXML\"\r\nContent-Length: " +
         std::to_string(length) + "\r\n\r\n";
}

TEST(Hardening, LargeBodyWithAnUnknownTicketIsRefusedBeforeItIsRead) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", reconcile::AccountKind::Customer, {{"C1", "Acme Plumbing Ltd", ""}});
  cli::EndpointOptions eo;
  eo.body_limit = 16u << 20;
  auto server = serve(h, eo);

  const auto unknown = receive_response(std::string(32, 'f'), 8u << 20);
  RawConnection refused(server->port());
  ASSERT_TRUE(refused.send(post_head(unknown.size()) + unknown.substr(0, 32u << 10)));
  const auto r = refused.read_response(3s);
  ASSERT_TRUE(r) << "the server waited for the rest of an 8 MB body";
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("open session"), std::string::npos) << r->body;
  EXPECT_TRUE(refused.wait_closed(3s));

  // The same size with an open session's ticket is read and handled.
  const auto auth = h.service->authenticate("acme", "secret-pw");
  ASSERT_EQ(auth.size(), 2u);
  ASSERT_TRUE(h.service->ticket_is_open(auth[0])) << auth[1];
  const auto known = receive_response(auth[0], 1u << 20);
  RawConnection accepted(server->port());
  ASSERT_TRUE(accepted.send(post_head(known.size()) + known));
  const auto ok = accepted.read_response(10s);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_NE(ok->body.find("receiveResponseXMLResult"), std::string::npos) << ok->body;
}

// Runs the real program; returns its exit status and what it printed.
std::pair<int, std::string> run_qblink(const std::string& args) {
  const std::string cmd = std::string(QBLINK_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (const auto n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(Hardening, BodyLimitOutOfRangeIsAClearError) {
  TempDir dir;
  for (const std::string bad :
       {"-1", "0", "4097", "99999999999999999999", "18446744073709551615", "12abc", "1.5"}) {
    const auto [code, out] = run_qblink("--db '" + (dir / "q.db").string() +
                                        "' serve --listen 127.0.0.1:0 --body-limit-mb=" + bad);
    EXPECT_NE(code, 0) << bad;
    EXPECT_NE(out.find("--body-limit-mb must be a whole number of megabytes from 1 to 4096"),
              std::string::npos)
        << bad << ": " << out;
  }
  const auto [code, out] = run_qblink("--db '" + (dir / "q.db").string() +
                                      "' serve --listen 127.0.0.1:0 --body-budget-mb=-5");
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("--body-budget-mb must be"), std::string::npos) << out;
}

}  // namespace
}  // namespace qblink::test
