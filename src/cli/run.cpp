#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "qblink/version.h"

namespace qblink::cli {

int run(int argc, char** argv) {
  CLI::App app{"qblink: links a field-service app's customers and suppliers to QuickBooks Desktop"};
  app.set_version_flag("--version", std::string("qblink ") + kVersion);
  Context ctx;
  // Global: accepted before or after the command.
  app.add_option("--db", ctx.db_path,
                 "SQLite database file (default ./qblink.db), or a postgresql:// URI (its password "
                 "from PGPASSFILE or PGPASSWORD)")
      ->envname("QBLINK_DB");
  app.fallthrough();
  app.require_subcommand(1);
  add_serve_command(app, ctx);
  add_user_commands(app, ctx);
  add_qwc_command(app, ctx);
  add_account_commands(app, ctx);
  add_review_commands(app, ctx);
  add_adds_commands(app, ctx);
  add_log_command(app, ctx);
  add_simulate_command(app, ctx);
  add_demo_command(app, ctx);
  add_quickbooks_commands(app, ctx);
  add_token_commands(app, ctx);
  add_backup_commands(app, ctx);
  add_db_commands(app, ctx);
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
