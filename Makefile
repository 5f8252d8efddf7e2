# Makefile - one non-recursive build for the whole tree (each folder adds
# its part in its Makefile.local).
#
#   make          build indexer and searchd into build/
#   make run      build, index content/ and serve it on 127.0.0.1:8080
#   make shop     the demo shop's own pages (content/) on 127.0.0.1:8000,
#                 with the search widget on storefront.html
#   make check    every test, then again under AddressSanitizer + UBSan
#   make SANITIZE=1 ...   the same targets with sanitizers, in build/san
#   make BUILD=DIR ...    build in DIR instead (make check: DIR, then DIR/san)
#
# Dependencies are Debian 12 packages found with pkg-config; scripts/deps.sh
# installs the missing ones when run as root, or names them.

BUILD ?= build
ifdef SANITIZE
BUILD := build/san
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

CC ?= gcc
CXX ?= g++
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	-Wwrite-strings
OPT ?= -O2 -g
INCLUDES := -Icommon -Ishim -Iindexer -Isearchd -Itests

# Recursive (=) on purpose: pkg-config runs when a recipe needs the flags,
# after the deps step has installed what was missing.
PKG_CFLAGS = $(shell pkg-config --cflags libxml-2.0 jansson libmicrohttpd xapian-core check libcurl)
CFLAGS_ALL = -std=c17 $(OPT) $(WARN) $(SAN) $(INCLUDES) $(PKG_CFLAGS) $(CFLAGS)
CXXFLAGS_ALL = -std=c++17 $(OPT) -Wall -Wextra -Werror -Wshadow $(SAN) $(INCLUDES) \
	$(shell pkg-config --cflags xapian-core) $(CXXFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)

DEPS_STAMP := build/.deps-ok

.PHONY: all deps run shop check check-run eval bench clean
all: $(BUILD)/indexer $(BUILD)/searchd

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(dir $@) && touch $@

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_ALL) -MMD -MP -c $< -o $@

include common/Makefile.local
include shim/Makefile.local
include indexer/Makefile.local
include searchd/Makefile.local
include tests/Makefile.local
include bench/Makefile.local

# The demo shop with its synonym list, indexed into build/content-index,
# served on the default address.  Re-running only re-indexes what changed.
# The help centre is at /; the shop's own site (make shop) may use the
# widget across origins.
RUN_DB := $(BUILD)/content-index
SHOP_ORIGIN := http://127.0.0.1:8000
run: all
	@$(BUILD)/indexer --db $(RUN_DB) --synonyms content/synonyms.txt content; st=$$?; \
	 if [ $$st -eq 1 ]; then exit 1; fi
	@echo "open http://127.0.0.1:8080/ for the help centre, or http://127.0.0.1:8080/search?q=zwembad  (Ctrl-C stops)"
	exec $(BUILD)/searchd --db $(RUN_DB) --listen 127.0.0.1:8080 --origins $(SHOP_ORIGIN)

# The demo shop's own site on another origin, where content/storefront.html
# shows the search widget talking to make run's searchd.
shop: $(DEPS_STAMP)
	exec node tests/browser/shop-server.mjs content 8000

# Relevance of the demo shop's judged queries (tests/relevance/queries.tsv):
# nDCG, MRR and recall at 10 per kind of query, the worst queries last.
eval: all $(BUILD)/tests/eval
	VB_BUILD=$(BUILD) $(BUILD)/tests/eval -v tests/relevance/queries.tsv

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
