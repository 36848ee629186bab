# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   virtualenv + install + the clerk's main job on the sample returns
#   make test   virtualenv + install + the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO := demo
QZFSG := $(BIN)/qzfsg

.PHONY: install demo test lint format check bench stress clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)/inbox
	cp data/samples/files/* $(DEMO)/inbox/
	$(BIN)/python data/samples/stamp_received.py $(DEMO)/inbox
	$(QZFSG) init --db $(DEMO)/qzfsg.db
	@echo; echo '== 导入收到的 24 个文件（按收到时间先后；有退回时 import 的退出码为 1）'
	$(QZFSG) import --db $(DEMO)/qzfsg.db $(DEMO)/inbox || [ $$? -eq 1 ]
	@echo; echo '== 仍有问题的报表及退回意见'
	$(QZFSG) findings --db $(DEMO)/qzfsg.db --month 2018-09
	@echo; echo '== 城管执法局 9 月的两个版本'
	$(QZFSG) history --db $(DEMO)/qzfsg.db --unit 城管执法局 --month 2018-09
	@echo; echo '== 联络员信息表（附件2；最后一行的手机号少一位，会被指出，退出码为 1）'
	$(QZFSG) liaisons import --db $(DEMO)/qzfsg.db data/samples/联络员信息表.xlsx --received 2018-06-07 || [ $$? -eq 1 ]
	@echo; echo '== 月报表报送情况（8、9 月，截至 10 月 15 日）'
	$(QZFSG) status --db $(DEMO)/qzfsg.db --from 2018-08 --to 2018-09 --as-of 2018-10-15
	@echo; echo '== 催报：8 月月报表未报或迟报的部门，附催报通知'
	$(QZFSG) overdue --db $(DEMO)/qzfsg.db --month 2018-08 --as-of 2018-10-15 --item 月报表 --kind department --message
	@echo; echo '== 9 月排行榜（与 8 月相比）'
	$(QZFSG) rank --db $(DEMO)/qzfsg.db --month 2018-09
	@echo; echo '== 全市 9 月汇总月报表（导出到 demo/）'
	$(QZFSG) report --db $(DEMO)/qzfsg.db --month 2018-09 --filed 2018-10-08 --export $(DEMO)/汨罗市2018年9月月报表.xlsx
	$(QZFSG) bulletin --db $(DEMO)/qzfsg.db --month 2018-09 --as-of 2018-10-08 --export $(DEMO)/2018年9月通报.xlsx --docx $(DEMO)/2018年9月通报.docx
	$(QZFSG) template --db $(DEMO)/qzfsg.db --month 2018-10 --all --out $(DEMO)/10月模板

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check qzfsg tests
	$(BIN)/ruff format --check qzfsg tests

format: install
	$(BIN)/ruff format qzfsg tests
	$(BIN)/ruff check --fix qzfsg tests

check: lint test

bench: install
	$(BIN)/python -m tests.bench

# 20 rounds of 8 imports at once on ~300 returns and 20 imports killed with kill -9, each
# compared with one serial import (tests/stress.py), on SQLite, then on a PostgreSQL server
# when one can be had (tests/pgserver.py); a summary at the end.
stress: install
	$(BIN)/python -m tests.stress --rounds 20 --processes 8 --units 30 --kills 20 --folder stress --postgresql

clean:
	rm -rf $(VENV) $(DEMO) stress .pytest_cache .ruff_cache build dist
