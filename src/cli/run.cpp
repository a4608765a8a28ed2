#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "qblink/version.h"

namespace qblink::cli {

int run(int argc, char** argv) {
  CLI::App app{"qblink: links a field-service app's customers and suppliers to QuickBooks Desktop"};
  app.set_version_flag("--version", std::string("qblink ") + kVersion);
  Context ctx;
  app.add_option("--db", ctx.db_path, "SQLite database file")->envname("QBLINK_DB");
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "qblink: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace qblink::cli
