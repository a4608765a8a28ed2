#include "session/machine.h"
