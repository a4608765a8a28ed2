// qblink qwc USER --url URL: the .qwc file an admin adds to the Web Connector.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/util.h"
#include "http/client.h"
#include "qbxml/qbxml.h"

namespace qblink::cli {
namespace {

// The Web Connector accepts plain HTTP only for localhost; anything else must be HTTPS.
void check_url(const std::string& what, const std::string& url) {
  http::Url u;
  try {
    u = http::parse_url(url);
  } catch (const std::exception& e) {
    throw Error(what + ": " + e.what());
  }
  const bool ip = u.host.find_first_not_of("0123456789.") == std::string::npos ||
                  u.host.find(':') != std::string::npos;
  if (ip)
    throw Error(what + " " + url +
                ": the Web Connector refuses IP-address URLs; use a host name (localhost for a "
                "test on the same machine)");
  if (u.scheme == "http" && u.host != "localhost")
    throw Error(what + " " + url +
                ": the Web Connector refuses plain HTTP for any host but localhost; use an "
                "https:// URL (serve with --tls-cert/--tls-key, or put a TLS proxy in front)");
}

std::string site_of(const std::string& url) {
  const auto u = http::parse_url(url);
  const bool default_port =
      (u.scheme == "https" && u.port == 443) || (u.scheme == "http" && u.port == 80);
  return u.scheme + "://" + u.host + (default_port ? "" : ":" + std::to_string(u.port));
}

}  // namespace

void add_qwc_command(CLI::App& app, Context& ctx) {
  struct Args {
    std::string user, url, support_url;
    int every_minutes = 60;
    std::string app_name;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("qwc", "Print the .qwc file to add in the Web Connector");
  cmd->add_option("USER", a->user)->required();
  cmd->add_option("--url", a->url, "The AppURL, e.g. https://sync.example.com/qbwc")->required();
  cmd->add_option("--support-url", a->support_url, "AppSupport page (default: URL's /support)");
  cmd->add_option("--every-minutes", a->every_minutes, "Scheduler interval")
      ->check(CLI::Range(1, 1440));
  cmd->add_option("--app-name", a->app_name,
                  "AppName shown in the Web Connector (default: qblink (USER))");
  cmd->callback([a, &ctx] {
    check_url("--url", a->url);
    if (const auto path = http::parse_url(a->url).target; path != "/qbwc")
      std::cerr << "warning: --url " << terminal_safe(a->url) << ": the path is '"
                << terminal_safe(path)
                << "', but qblink serve answers the Web Connector at /qbwc (fine only if a proxy "
                   "in front rewrites it)\n";
    std::string support = a->support_url.empty() ? site_of(a->url) + "/support" : a->support_url;
    check_url("--support-url", support);
    if (http::parse_url(support).host != http::parse_url(a->url).host)
      throw Error("--support-url must be on the same host as --url (the Web Connector checks it)");
    auto store = open_store(ctx.db_path);
    auto tx = store->begin(true);
    const auto t = require_tenant(*tx, a->user);
    const auto owner = tx->owner_id();
    tx->commit();
    const auto app_name = a->app_name.empty() ? "qblink (" + t.username + ")" : a->app_name;
    std::cout << "<?xml version=\"1.0\"?>\n<QBWCXML>\n"
              << "  <AppName>" << qbxml::escape_text(app_name) << "</AppName>\n"
              << "  <AppID></AppID>\n"
              << "  <AppURL>" << qbxml::escape_text(a->url) << "</AppURL>\n"
              << "  <AppDescription>Links customers and suppliers to QuickBooks without "
                 "duplicates</AppDescription>\n"
              << "  <AppSupport>" << qbxml::escape_text(support) << "</AppSupport>\n"
              << "  <UserName>" << qbxml::escape_text(t.username) << "</UserName>\n"
              << "  <OwnerID>" << owner << "</OwnerID>\n"
              << "  <FileID>" << t.file_id << "</FileID>\n"
              << "  <QBType>QBFS</QBType>\n"
              << "  <Scheduler>\n    <RunEveryNMinutes>" << a->every_minutes
              << "</RunEveryNMinutes>\n  </Scheduler>\n"
              << "  <IsReadOnly>false</IsReadOnly>\n"
              << "</QBWCXML>\n";
  });
}

}  // namespace qblink::cli
