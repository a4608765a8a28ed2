#include "soap/adapter.h"
