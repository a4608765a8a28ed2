#pragma once
// A small blocking HTTP/1.1 client (keep-alive, optional TLS, Expect: 100-continue as a .NET
// client sends it). Used by the Web Connector simulator and by end-to-end tests.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "http/message.h"

namespace qblink::http {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  unsigned short port = 0;
  std::string target;  // path + query, "/" when empty
};
// Throws std::invalid_argument with a readable message for anything but
// http(s)://host[:port][/path].
Url parse_url(const std::string& url);

struct ClientOptions {
  bool expect_continue = true;  // send Expect: 100-continue and wait for the interim answer
  // How long to wait for "100 Continue" before sending the body anyway (as .NET does).
  std::chrono::milliseconds continue_timeout{350};
  bool verify_tls = false;                    // tests use self-signed certificates
  std::string ca_file;                        // when verify_tls
  std::chrono::milliseconds timeout{60'000};  // connect + TLS handshake, then each exchange
  std::string user_agent = "qblink-simulator";
};

struct ClientError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// No connection could be made (refused, unreachable, timed out): the request was never sent, so
// a load balancer may give it to another server.
struct ConnectError : ClientError {
  using ClientError::ClientError;
};

class Client {
 public:
  Client(const std::string& base_url, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // POST to the URL's path. `soap_action` is given bare; it is sent quoted, as QBWC does.
  // Reconnects once if a kept-alive connection was closed by the server.
  // Throws ClientError on connection, TLS or timeout failures (ConnectError when no connection
  // could be made); HTTP errors are returned.
  Response post(const std::string& body, const std::string& soap_action,
                const std::string& content_type = "text/xml; charset=utf-8");
  // GET `target` (path + query) on the URL's host. Same error rules as post().
  Response get(const std::string& target);
  // Any method, with extra header fields (e.g. Authorization), for the JSON API and its tests.
  Response request(const std::string& method, const std::string& target, const std::string& body,
                   const std::vector<std::pair<std::string, std::string>>& headers = {},
                   const std::string& content_type = "application/json");
  // Drops the connection as if the network had failed (fault injection).
  void disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qblink::http
