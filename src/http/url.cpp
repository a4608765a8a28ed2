// URL parsing and loopback detection: plain string work, kept out of the Beast TUs so that
// editing it does not cost a 30 s rebuild.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>

#include "http/client.h"
#include "http/server.h"

namespace qblink::http {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

[[noreturn]] void bad_url(const std::string& url, const std::string& why) {
  throw std::invalid_argument("invalid URL '" + url + "': " + why);
}

}  // namespace

Url parse_url(const std::string& url) {
  Url out;
  const auto sep = url.find("://");
  if (sep == std::string::npos) bad_url(url, "expected http://host[:port][/path]");
  out.scheme = lower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") {
    bad_url(url, "the scheme must be http or https, not '" + out.scheme + "'");
  }

  const std::string rest = url.substr(sep + 3);
  const auto path_start = rest.find_first_of("/?#");
  const std::string authority = rest.substr(0, path_start);
  std::string target = path_start == std::string::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string::npos) {
    bad_url(url, "user names and passwords in the URL are not supported");
  }

  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    // An IPv6 literal: [::1]:8080.
    const auto close = authority.find(']');
    if (close == std::string::npos) bad_url(url, "an IPv6 address needs a closing ']'");
    out.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad_url(url, "unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) bad_url(url, "the port is empty");
    }
  } else {
    const auto colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) bad_url(url, "the port is empty");
    }
  }
  if (out.host.empty()) bad_url(url, "the host is missing");

  if (port_text.empty()) {
    out.port = out.scheme == "https" ? 443 : 80;
  } else {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      bad_url(url, "the port must be a number from 1 to 65535, not '" + port_text + "'");
    }
    out.port = static_cast<unsigned short>(value);
  }

  // The fragment never goes on the wire.
  if (const auto hash = target.find('#'); hash != std::string::npos) target.erase(hash);
  // Built rather than insert()ed at 0: GCC 12's -Wrestrict misfires on that (a known bug).
  out.target = (target.empty() || target.front() != '/') ? '/' + target : target;
  return out;
}

bool is_loopback_host(const std::string& host) {
  std::string h = lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.y.z is the IPv4 loopback seen through an IPv6 socket.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace qblink::http
