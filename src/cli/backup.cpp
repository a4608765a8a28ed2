// qblink backup / restore / prune: the database's care (issue 12).
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "store/store.h"

namespace qblink::cli {
namespace {

// Maintenance never creates a database: it names the one it looked for.
void require_database(const std::string& path) {
  if (store::is_postgres_uri(path)) return;  // the server says whether it exists
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error("no database at " + path + " (--db PATH or QBLINK_DB selects it)");
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void add_backup_commands(CLI::App& app, Context& ctx) {
  auto dest = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* backup = app.add_subcommand(
      "backup", "Copy the database to PATH: consistent while a server runs (SQLite backup API)");
  backup->add_option("PATH", *dest, "The backup file to write (one file, mode 0600)")->required();
  backup->add_flag("--force", *force, "Overwrite PATH if it exists");
  backup->callback([&ctx, dest, force] {
    if (store::is_postgres_uri(ctx.db_path))
      throw Error(
          "qblink backup copies a SQLite file; on PostgreSQL use pg_dump (e.g. pg_dump -Fc -f "
          "qblink.dump DBNAME) and pg_restore");
    require_database(ctx.db_path);
    try {
      store::SqliteStore store(ctx.db_path);
      const auto pages = store.backup_to(*dest, *force);
      std::cout << "backed up " << ctx.db_path << " to " << *dest << " (" << pages << " pages)\n";
    } catch (const store::Error& e) {
      throw Error(e.what());
    }
  });

  auto source = std::make_shared<std::string>();
  auto* restore = app.add_subcommand(
      "restore", "Replace the database with the backup at PATH (refused while a server runs)");
  restore->add_option("PATH", *source, "A file written by qblink backup")->required();
  restore->callback([&ctx, source] {
    if (store::is_postgres_uri(ctx.db_path))
      throw Error("qblink restore replaces a SQLite file; on PostgreSQL use pg_restore");
    try {
      const int version = store::restore_database(*source, ctx.db_path);
      std::cout << "restored " << ctx.db_path << " from " << *source << " (schema version "
                << version << ")\n";
    } catch (const store::Error& e) {
      throw Error(e.what());
    }
  });

  auto days = std::make_shared<int>(180);
  auto batch = std::make_shared<int>(1000);
  auto* prune = app.add_subcommand(
      "prune", "Delete sync-log events and runs older than --keep-log-days (in small batches)");
  prune->add_option("--keep-log-days", *days, "Days of sync log to keep (default 180)")
      ->check(CLI::Range(1, 36500));
  prune->add_option("--batch", *batch, "Rows per transaction (default 1000)")
      ->check(CLI::Range(1, 1000000));
  prune->callback([&ctx, days, batch] {
    require_database(ctx.db_path);
    try {
      auto store = store::open(ctx.db_path);
      const auto before = now_seconds() - std::int64_t{*days} * 86400;
      const auto n = store->prune_log(before, *batch);
      std::cout << "pruned " << n.events << " events and " << n.runs << " runs older than " << *days
                << " days (" << n.batches << " transactions)\n";
    } catch (const store::Error& e) {
      throw Error(e.what());
    }
  });
}

}  // namespace qblink::cli
