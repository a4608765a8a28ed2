#include "sync/service.h"
