#include "api/qwc.h"

#include <stdexcept>

#include "http/client.h"
#include "qbxml/qbxml.h"

namespace qblink::api {
namespace {

// The Web Connector accepts plain HTTP only for localhost; anything else must be HTTPS.
void check_url(const std::string& what, const std::string& url) {
  http::Url u;
  try {
    u = http::parse_url(url);
  } catch (const std::exception& e) {
    throw std::invalid_argument(what + ": " + e.what());
  }
  const bool ip = u.host.find_first_not_of("0123456789.") == std::string::npos ||
                  u.host.find(':') != std::string::npos;
  if (ip)
    throw std::invalid_argument(
        what + " " + url +
        ": the Web Connector refuses IP-address URLs; use a host name (localhost for a test on "
        "the same machine)");
  if (u.scheme == "http" && u.host != "localhost")
    throw std::invalid_argument(
        what + " " + url +
        ": the Web Connector refuses plain HTTP for any host but localhost; use an https:// URL "
        "(serve with --tls-cert/--tls-key, or put a TLS proxy in front)");
}

std::string site_of(const std::string& url) {
  const auto u = http::parse_url(url);
  const bool default_port =
      (u.scheme == "https" && u.port == 443) || (u.scheme == "http" && u.port == 80);
  return u.scheme + "://" + u.host + (default_port ? "" : ":" + std::to_string(u.port));
}

}  // namespace

std::string qwc_file(const QwcParams& p) {
  if (p.every_minutes < 1 || p.every_minutes > 1440)
    throw std::invalid_argument("every_minutes must be from 1 to 1440");
  check_url("--url", p.url);
  const std::string support = p.support_url.empty() ? site_of(p.url) + "/support" : p.support_url;
  check_url("--support-url", support);
  if (http::parse_url(support).host != http::parse_url(p.url).host)
    throw std::invalid_argument(
        "--support-url must be on the same host as --url (the Web Connector checks it)");
  return "<?xml version=\"1.0\"?>\n<QBWCXML>\n  <AppName>" + qbxml::escape_text(p.app_name) +
         "</AppName>\n  <AppID></AppID>\n  <AppURL>" + qbxml::escape_text(p.url) +
         "</AppURL>\n  <AppDescription>Links customers and suppliers to QuickBooks without "
         "duplicates</AppDescription>\n  <AppSupport>" +
         qbxml::escape_text(support) + "</AppSupport>\n  <UserName>" +
         qbxml::escape_text(p.username) + "</UserName>\n  <OwnerID>" + p.owner_id +
         "</OwnerID>\n  <FileID>" + p.file_id +
         "</FileID>\n  <QBType>QBFS</QBType>\n  <Scheduler>\n    <RunEveryNMinutes>" +
         std::to_string(p.every_minutes) +
         "</RunEveryNMinutes>\n  </Scheduler>\n  <IsReadOnly>false</IsReadOnly>\n</QBWCXML>\n";
}

}  // namespace qblink::api
