// `qblink serve` as an operator runs it (issue 12): --log-file and --log-format json, and SIGHUP
// after logrotate moved the log and certbot renewed the certificate: the log file is opened
// again by its name and new connections get the renewed certificate; a bad renewal keeps the
// old certificate and says so in the log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "cli/cli_fixture.h"

namespace qblink::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

std::string read_if_there(const fs::path& p) { return fs::exists(p) ? read_file(p) : ""; }

class ServeSignals : public Cli {
 protected:
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      int status = 0;
      waitpid(server_, &status, 0);
    }
  }
  pid_t server_ = -1;
};

TEST_F(ServeSignals, HangupReopensTheLogFileAndReloadsTheCertificate) {
  const auto old_pair = make_test_cert(dir.path(), "qblink-old");
  const auto new_pair = make_test_cert(dir.path(), "qblink-new");
  const auto cert = dir / "fullchain.pem", key = dir / "privkey.pem", log = dir / "qblink.log";
  fs::copy_file(old_pair.cert_file, cert);
  fs::copy_file(old_pair.key_file, key);
  add_user("acme");

  server_ = fork();
  if (server_ == 0) {
    execl(QBLINK_BINARY, QBLINK_BINARY, "--db", db.c_str(), "serve", "--listen", "127.0.0.1:0",
          "--tls-cert", cert.c_str(), "--tls-key", key.c_str(), "--log-file", log.c_str(),
          "--log-format", "json", static_cast<char*>(nullptr));
    _exit(127);
  }
  // The port is in the first line once the server listens.
  unsigned short port = 0;
  ASSERT_TRUE(eventually([&] {
    std::smatch m;
    const auto text = read_if_there(log);
    static const std::regex serving(R"(qblink serving https://127\.0\.0\.1:(\d+)/qbwc)");
    if (!std::regex_search(text, m, serving)) return false;
    port = static_cast<unsigned short>(std::stoi(m[1]));
    return true;
  })) << read_if_there(log);
  {
    std::istringstream in(read_file(log));
    for (std::string line; std::getline(in, line);)
      EXPECT_TRUE(nlohmann::json::accept(line)) << "not JSON: " << line;
  }
  ASSERT_NE(peer_certificate_subject(port).find("CN = qblink-old"), std::string::npos);

  // logrotate moves the file; certbot's deploy hook copies the renewed pair; then SIGHUP.
  fs::rename(log, dir / "qblink.log.1");
  fs::copy_file(new_pair.cert_file, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(new_pair.key_file, key, fs::copy_options::overwrite_existing);
  ASSERT_EQ(kill(server_, SIGHUP), 0);
  EXPECT_TRUE(eventually(
      [&] { return peer_certificate_subject(port).find("CN = qblink-new") != std::string::npos; }));
  EXPECT_TRUE(eventually([&] {
    return read_if_there(log).find("log: reopened") != std::string::npos;
  })) << "the new file: "
      << read_if_there(log);
  EXPECT_NE(read_file(dir / "qblink.log.1").find("SIGHUP received"), std::string::npos);

  // A broken renewal: the old (renewed) certificate keeps serving, the log says why.
  write_file(cert, "-----BEGIN CERTIFICATE-----\ntruncated\n");
  ASSERT_EQ(kill(server_, SIGHUP), 0);
  EXPECT_TRUE(eventually([&] {
    return read_if_there(log).find("TLS certificate not reloaded") != std::string::npos;
  })) << read_if_there(log);
  EXPECT_NE(peer_certificate_subject(port).find("CN = qblink-new"), std::string::npos);

  // Still serving, and stops cleanly.
  ASSERT_EQ(kill(server_, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(server_, &status, 0), server_);
  server_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(ServeSignals, BadLogOptionsAreRefused) {
  EXPECT_NE(run("serve --log-format xml").exit_code, 0);
  EXPECT_NE(run("serve --log-level loud").exit_code, 0);
  const auto r =
      run("serve --listen 127.0.0.1:0 --log-file '" + (dir / "no/such/dir/q.log").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("cannot open the log file"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace qblink::test
