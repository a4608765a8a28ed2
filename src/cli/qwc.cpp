// qblink qwc USER --url URL: the .qwc file an admin adds to the Web Connector. The file and the
// URL checks are api::qwc_file's, shared with the API's download.
#include <CLI/CLI.hpp>

#include <iostream>
#include <stdexcept>

#include "api/qwc.h"
#include "cli/commands.h"
#include "cli/util.h"
#include "http/client.h"

namespace qblink::cli {

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
    auto store = open_store(ctx, Access::Existing);
    auto tx = store->begin(true);
    const auto t = require_tenant(*tx, a->user);
    api::QwcParams p;
    p.url = a->url;
    p.support_url = a->support_url;
    p.every_minutes = a->every_minutes;
    p.app_name = a->app_name.empty() ? "qblink (" + t.username + ")" : a->app_name;
    p.username = t.username;
    p.owner_id = tx->owner_id();
    p.file_id = t.file_id;
    std::string file;
    try {
      file = api::qwc_file(p);
    } catch (const std::invalid_argument& e) {
      throw Error(e.what());
    }
    tx->commit();  // the installation's OwnerID exists from now on
    if (const auto path = http::parse_url(a->url).target; path != "/qbwc")
      std::cerr << "warning: --url " << terminal_safe(a->url) << ": the path is '"
                << terminal_safe(path)
                << "', but qblink serve answers the Web Connector at /qbwc (fine only if a proxy "
                   "in front rewrites it)\n";
    std::cout << file;
  });
}

}  // namespace qblink::cli
