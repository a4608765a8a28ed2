#pragma once
// Helpers shared by the test programs: temporary folders, the reference folder, files.
#include <filesystem>
#include <string>

namespace qblink::test {

// The shared reference folder (captures, XSDs). Fails the current test with a clear message
// when it is absent, instead of passing vacuously.
std::filesystem::path reference_dir();
bool has_reference();

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& text);

// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A self-signed certificate and key (PEM files) for HTTPS tests, made once per process.
struct TestCert {
  std::string cert_file;
  std::string key_file;
};
const TestCert& test_cert();
// A new self-signed pair for CN=common_name (SAN localhost, 127.0.0.1) as
// dir/NAME.cert.pem and dir/NAME.key.pem.
TestCert make_test_cert(const std::filesystem::path& dir, const std::string& common_name);
// The subject of the certificate a TLS server on 127.0.0.1:port presents to a new connection
// ("subject=CN = ..."), read with the openssl command; "" when the handshake fails.
std::string peer_certificate_subject(unsigned short port);

}  // namespace qblink::test
