// Certificate renewal without a restart (issue 12): Server::reload_tls(), what SIGHUP calls,
// gives new connections the renewed pair, and keeps the old one when the new files are bad.
#include <gtest/gtest.h>

#include <filesystem>

#include "http/server.h"
#include "support/test_support.h"

namespace qblink::http {
namespace {

namespace fs = std::filesystem;

Response ok(const Request&) { return Response{}; }

class TlsReload : public ::testing::Test {
 protected:
  void SetUp() override {
    old_pair = test::make_test_cert(dir.path(), "qblink-old");
    new_pair = test::make_test_cert(dir.path(), "qblink-new");
    fs::copy_file(old_pair.cert_file, cert);
    fs::copy_file(old_pair.key_file, key);
    ServerOptions o;
    o.port = 0;
    o.worker_threads = 1;
    o.tls_cert = cert.string();
    o.tls_key = key.string();
    server = std::make_unique<Server>(o, ok);
    server->start();
  }
  void replace(const std::string& cert_from, const std::string& key_from) {
    fs::copy_file(cert_from, cert, fs::copy_options::overwrite_existing);
    fs::copy_file(key_from, key, fs::copy_options::overwrite_existing);
  }
  std::string subject() { return test::peer_certificate_subject(server->port()); }

  test::TempDir dir;
  fs::path cert = dir / "fullchain.pem", key = dir / "privkey.pem";
  test::TestCert old_pair, new_pair;
  std::unique_ptr<Server> server;
};

TEST_F(TlsReload, NewConnectionsGetTheRenewedCertificate) {
  ASSERT_NE(subject().find("CN = qblink-old"), std::string::npos) << subject();
  replace(new_pair.cert_file, new_pair.key_file);
  EXPECT_NE(subject().find("CN = qblink-old"), std::string::npos)
      << "nothing changes before the reload";
  ASSERT_TRUE(server->reload_tls());
  EXPECT_NE(subject().find("CN = qblink-new"), std::string::npos) << subject();
}

TEST_F(TlsReload, ABadOrMismatchedPairKeepsTheOldOneServing) {
  test::write_file(cert, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
  EXPECT_FALSE(server->reload_tls());
  EXPECT_NE(subject().find("CN = qblink-old"), std::string::npos) << subject();

  replace(new_pair.cert_file, old_pair.key_file);  // certbot copied one file of two
  EXPECT_FALSE(server->reload_tls());
  EXPECT_NE(subject().find("CN = qblink-old"), std::string::npos) << subject();

  fs::remove(key);
  EXPECT_FALSE(server->reload_tls());
  EXPECT_NE(subject().find("CN = qblink-old"), std::string::npos) << subject();
}

TEST(TlsReloadPlain, WithoutTlsThereIsNothingToReload) {
  ServerOptions o;
  o.port = 0;
  Server server(o, ok);
  EXPECT_FALSE(server.reload_tls());
}

}  // namespace
}  // namespace qblink::http
