#include "sim/company.h"
