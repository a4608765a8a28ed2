#include "support/test_support.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace qblink::test {

std::filesystem::path reference_dir() { return QBLINK_REFERENCE_DIR; }

bool has_reference() {
  return std::filesystem::exists(reference_dir() / "qbxml/13.0/qbxmlops130.xsd");
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << text;
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = std::filesystem::temp_directory_path() /
                     ("qblink-test-" + std::to_string(rd()) + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

const TestCert& test_cert() {
  // openssl is part of every Debian machine with libssl; one key per test process.
  static const TestCert cert = [] {
    static TempDir dir;
    return make_test_cert(dir.path(), "localhost");
  }();
  return cert;
}

TestCert make_test_cert(const std::filesystem::path& dir, const std::string& common_name) {
  TestCert c{(dir / (common_name + ".cert.pem")).string(),
             (dir / (common_name + ".key.pem")).string()};
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + common_name +
      "' -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" + c.key_file + "' -out '" +
      c.cert_file + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("openssl could not make a test certificate");
  return c;
}

std::string peer_certificate_subject(unsigned short port) {
  const std::string cmd = "openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                          " -servername localhost </dev/null 2>/dev/null | openssl x509 -noout "
                          "-subject 2>/dev/null";
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  char buf[512];
  while (auto n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace qblink::test
