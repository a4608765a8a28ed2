// Wiring only: the command line decides what runs.
#include "cli/commands.h"

int main(int argc, char** argv) { return qblink::cli::run(argc, argv); }
