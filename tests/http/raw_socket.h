#pragma once
// Byte-level test tools: a TCP client and listener on plain POSIX sockets, and a one-shot TLS
// handshake with chosen protocol versions. The HTTP tests use them to see exactly what goes over
// the wire (100 Continue before the body, closes, timing) and to play a misbehaving peer. They
// avoid Asio on purpose: a test TU with Asio/Beast costs tens of seconds to compile.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace qblink::test {

using namespace std::chrono_literals;

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

inline sockaddr_in loopback(unsigned short port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

inline Fd connect_loopback(unsigned short port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw std::runtime_error("socket() failed");
  const auto addr = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error(std::string("connect() failed: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// True when fd becomes readable within timeout.
inline bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

struct RawResponse {
  int status = 0;
  std::string head;  // status line and header fields
  std::string body;
  bool has_header(std::string_view name_and_value) const {
    return head.find(name_and_value) != std::string::npos;
  }
};

// A blocking TCP connection to 127.0.0.1 that keeps what it has read in a buffer.
class RawConnection {
 public:
  explicit RawConnection(unsigned short port) : fd_(connect_loopback(port)) {}
  explicit RawConnection(Fd fd) : fd_(std::move(fd)) {}

  // False when the peer has closed or reset the connection.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until `needle` is in the buffer; false on EOF, error or timeout.
  bool read_until(std::string_view needle, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(needle) == std::string::npos) {
      if (!read_some(deadline)) return false;
    }
    return true;
  }

  // Reads one response with a Content-Length body and removes it from the buffer.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find("\r\n\r\n") == std::string::npos) {
      if (!read_some(deadline)) return std::nullopt;
    }
    const auto head_end = buffer_.find("\r\n\r\n") + 4;
    RawResponse r;
    r.head = buffer_.substr(0, head_end);
    if (r.head.rfind("HTTP/1.", 0) != 0 || r.head.size() < 12) return std::nullopt;
    r.status = std::stoi(r.head.substr(9, 3));
    std::size_t length = 0;
    const auto cl = lower(r.head).find("\r\ncontent-length:");
    if (cl != std::string::npos) length = std::stoul(r.head.substr(cl + 17));
    while (buffer_.size() < head_end + length) {
      if (!read_some(deadline)) return std::nullopt;
    }
    r.body = buffer_.substr(head_end, length);
    buffer_.erase(0, head_end + length);
    return r;
  }

  // True when the peer closes (EOF or reset) within timeout.
  bool wait_closed(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !wait_readable(fd_.get(), left)) return false;
      char chunk[4096];
      const auto n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
      if (n <= 0) return true;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Whatever arrives within `window` (e.g. to prove nothing came).
  std::string read_for(std::chrono::milliseconds window) {
    const auto deadline = std::chrono::steady_clock::now() + window;
    while (read_some(deadline)) {
    }
    return buffer_;
  }

  std::string& buffer() { return buffer_; }
  int fd() const { return fd_.get(); }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  bool read_some(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(fd_.get(), left)) return false;
    char chunk[64 * 1024];
    const auto n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  Fd fd_;
  std::string buffer_;
};

// A listening socket on 127.0.0.1 that plays a hand-written server.
class RawListener {
 public:
  RawListener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    auto addr = loopback(0);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_.get(), 16) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  unsigned short port() const { return port_; }

  std::optional<RawConnection> accept(std::chrono::milliseconds timeout = 5s) {
    if (!wait_readable(fd_.get(), timeout)) return std::nullopt;
    Fd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (c.get() < 0) return std::nullopt;
    return RawConnection(std::move(c));
  }

 private:
  Fd fd_;
  unsigned short port_ = 0;
};

// Connects to 127.0.0.1:port and runs a TLS handshake limited to [min_version, max_version]
// (TLS1_VERSION ...). Returns "" on success, else OpenSSL's reason. The client runs at security
// level 0 so that OpenSSL 3 itself is willing to offer TLS 1.0/1.1: a refusal then comes from the
// server.
// `ciphers`: the TLS 1.2 suites to offer (OpenSSL names), or OpenSSL's whole default list.
inline std::string tls_handshake(unsigned short port, int min_version, int max_version,
                                 std::string* negotiated = nullptr,
                                 const char* ciphers = "DEFAULT:@SECLEVEL=0") {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);
  if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
    SSL_CTX_free(ctx);
    return std::string("client cannot offer ") + ciphers;
  }
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  Fd fd = connect_loopback(port);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd.get());
  ERR_clear_error();
  std::string error;
  if (SSL_connect(ssl) != 1) {
    char text[256];
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    error = text[0] ? text : "handshake failed";
  } else if (negotiated) {
    *negotiated = SSL_get_version(ssl);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return error;
}

}  // namespace qblink::test
