/*
 * plugin/omlogmail.c: omlogmail, logmail's rsyslog output module: an
 * adapter between rsyslog's output-module interface and the engine
 * (engine/engine.h), which holds the whole pipeline.
 *
 *   module(load="omlogmail")
 *   action(type="omlogmail" config="/etc/logmail/logmail.conf"
 *          spool="/var/spool/logmail" sync="off" cache="/var/spool/logmail/cache"
 *          filters=["log email ops@example.com level errors"])
 *
 * This file and plugin/stats.c (statistics) are the only ones of logmail
 * that include rsyslog's headers.  Each BEGIN...END body turns rsyslog's
 * strings into our structs, calls the engine and maps its status to an
 * RS_RET_* code:
 *
 *   newActInst         parameters; engine_new loads the configuration (-N1);
 *                      om_stats_new: its counters for impstats (plugin/stats.h)
 *   activateCnf        engine_start: spool, threads, a crash's journal
 *   tryResume, beginTransaction: engine_ready
 *   createWrkrInstance engine_worker_new (filter worker, scratch)
 *   commitTransaction  the batch's template strings, read only (rsyslog
 *                      offers them again after SUSPENDED) -> struct
 *                      engine_msg (plugin/fields.h) -> engine_accept, which
 *                      returns once the batch is journaled (or held in memory
 *                      on a full disk); refused (out of memory, stopped):
 *                      SUSPENDED
 *   doHUP              engine_reload
 *   freeInstance       engine_free: digests flushed into the spool
 * The engine's messages go to LogError/LogMsg, its faults to RS_RET_*.
 *
 * rsyslog frees instanceData itself after freeInstance, and may free
 * worker data after that (action.c: freeWrkrDataTable): each engine_worker
 * holds a reference to the engine, and the last one frees it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "rsyslog.h"
#include "conf.h"
#include "syslogd-types.h"
#include "template.h"
#include "module-template.h"
#include "errmsg.h"
#include "parserif.h"

#include "engine/engine.h"
#include "plugin/fields.h"
#include "plugin/stats.h"
#include "plugin/version.h"
#include "smtp/smtp.h"

/* clang-format off */
MODULE_TYPE_OUTPUT
MODULE_TYPE_NOKEEP
MODULE_CNFNAME("omlogmail")

DEF_OMOD_STATIC_DATA
/* clang-format on */

#define OM_FILTERS_LABEL "omlogmail filters" /* conf_err file name of filters=[...] */

enum { OM_TPL_HEAD, OM_TPL_MSG, OM_NTPLS };

static const char *const om_tpl_names[OM_NTPLS] = {" OmLogmailHead", " OmLogmailMsg"};
static const char *const om_tpl_lines[OM_NTPLS] = {OM_TPL_HEAD_LINE, OM_TPL_MSG_LINE};

static struct cnfparamdescr om_params[] = {
    {"config", eCmdHdlrString, 0},
    {"spool", eCmdHdlrString, 0},
    {"filters", eCmdHdlrArray, 0},
    {"sync", eCmdHdlrBinary, 0},
    {"cache", eCmdHdlrString, 0},
};
static struct cnfparamblk om_param_block = {
    CNFPARAMBLK_VERSION,
    sizeof(om_params) / sizeof(om_params[0]),
    om_params,
};

/* The actions of one configuration, so activateCnf can start their
 * engines (a restart delivers what the spool holds without waiting for a
 * new message).  The engines are not owned. */
struct modConfData_s {
	rsconf_t *conf;
	struct engine **engines;
	size_t n_engines;
};
static modConfData_t *om_load_cnf; /* the configuration being loaded */

typedef struct _instanceData {
	struct engine *engine;
	struct om_stats *stats; /* NULL: no statistics (logged) */
	char *config_path, *spool_dir;
	char *cache_dir; /* NULL: the engine's default, <spool>/cache */
	char **filter_lines;
	size_t n_filter_lines;
	bool sync;
} instanceData;

typedef struct wrkrInstanceData {
	instanceData *pData;
	struct engine_worker *w;
	struct om_batch batch;
} wrkrInstanceData_t;

/* ---- helpers: no rsyslog macros below this line until the entry points ---- */

/* The RS_RET_* of each engine_fault, for rsyslog's messages. */
static const rsRetVal om_codes[] = {
    [ENGINE_FAULT_NONE] = RS_RET_ERR,
    [ENGINE_FAULT_CONFIG] = RS_RET_CONFIG_ERROR,
    [ENGINE_FAULT_IO] = RS_RET_IO_ERROR,
    [ENGINE_FAULT_DATA] = RS_RET_DATAFAIL,
    [ENGINE_FAULT_UNAVAILABLE] = RS_RET_SUSPENDED,
    [ENGINE_FAULT_INTERNAL] = RS_RET_ERR,
};

/* engine_log_fn */
static void om_log(void *arg, int level, enum engine_fault fault, const char *msg)
{
	(void)arg;
	if (level <= LOG_ERR)
		LogError(0, om_codes[fault], "omlogmail: %s", msg);
	else
		LogMsg(0, NO_ERRCODE, level, "omlogmail: %s", msg);
}

/* Template k's string of message i of a batch, "" when rsyslog gave none.
 * rsyslog's: read, never written (it offers a suspended batch again). */
static const char *om_param(actWrkrIParams_t *params, unsigned i, int k)
{
	const char *s = (const char *)actParam(params, OM_NTPLS, i, k).param;

	return s != NULL ? s : "";
}

static void om_inst_free(instanceData *d)
{
	om_stats_free(d->stats); /* first: it reads the engine */
	engine_free(d->engine);
	for (size_t i = 0; i < d->n_filter_lines; i++)
		free(d->filter_lines[i]);
	free(d->filter_lines);
	free(d->config_path);
	free(d->spool_dir);
	free(d->cache_dir);
}

/* A path parameter is absolute (or, when optional, empty: none), or logged. */
static bool om_absolute(const char *name, const char *path, bool optional)
{
	if (*path == '/' || (optional && *path == '\0'))
		return true;
	LogError(0, RS_RET_CONFIG_ERROR,
		 "omlogmail: %s=\"%s\" must be an absolute path (rsyslogd changes directory to /)",
		 name, path);
	return false;
}

/* Take the action's parameters.  false (and the error logged) on a bad one. */
static bool om_inst_params(instanceData *d, struct cnfparamvals *pv)
{
	for (size_t i = 0; i < om_param_block.nParams; i++) {
		const char *name = om_param_block.descr[i].name;

		if (!pv[i].bUsed)
			continue;
		if (strcmp(name, "config") == 0) {
			free(d->config_path);
			d->config_path = es_str2cstr(pv[i].val.d.estr, NULL);
		} else if (strcmp(name, "spool") == 0) {
			free(d->spool_dir);
			d->spool_dir = es_str2cstr(pv[i].val.d.estr, NULL);
		} else if (strcmp(name, "cache") == 0) {
			free(d->cache_dir);
			d->cache_dir = es_str2cstr(pv[i].val.d.estr, NULL);
		} else if (strcmp(name, "sync") == 0) {
			d->sync = pv[i].val.d.n != 0;
		} else if (strcmp(name, "filters") == 0) {
			struct cnfarray *ar = pv[i].val.d.ar;

			d->filter_lines = calloc(ar->nmemb > 0 ? ar->nmemb : 1, sizeof(char *));
			if (d->filter_lines == NULL)
				return false;
			for (int j = 0; j < ar->nmemb; j++) {
				d->filter_lines[j] = es_str2cstr(ar->arr[j], NULL);
				if (d->filter_lines[j] == NULL)
					return false;
				d->n_filter_lines++;
			}
		}
	}
	if (d->config_path == NULL)
		d->config_path = strdup(CONF_DEFAULT_PATH);
	if (d->spool_dir == NULL)
		d->spool_dir = strdup(SPOOL_DEFAULT_DIR);
	if (d->config_path == NULL || d->spool_dir == NULL)
		return false;
	/* &, not &&: each bad one is named */
	return om_absolute("config", d->config_path, false) &
	       om_absolute("spool", d->spool_dir, false) &
	       (d->cache_dir == NULL || om_absolute("cache", d->cache_dir, true));
}

/* The engine for the action's parameters: its configuration loaded. */
static bool om_inst_engine(instanceData *d)
{
	struct engine_params p = {
	    .config_path = d->config_path,
	    .extra_lines = (const char *const *)d->filter_lines,
	    .n_extra_lines = d->n_filter_lines,
	    .extra_label = OM_FILTERS_LABEL,
	    .spool_dir = d->spool_dir,
	    .cache_dir = d->cache_dir,
	    .sync = d->sync,
	    .log = om_log,
	};
	struct conf_err err;
	char buf[1024];

	if (engine_new(&d->engine, &p, &err) != ENGINE_OK) {
		conf_err_format(&err, buf, sizeof(buf));
		LogError(0, RS_RET_CONFIG_ERROR, "omlogmail: %s", buf);
		return false;
	}
	if (engine_recipients(d->engine) == 0)
		LogMsg(0, NO_ERRCODE, LOG_WARNING,
		       "omlogmail: no `log email` recipients in %s: nothing will be mailed",
		       d->config_path);
	d->stats = om_stats_new(d->engine, d->spool_dir); /* NULL: mail without statistics */
	return true;
}

static bool om_cnf_add(modConfData_t *cnf, struct engine *e)
{
	struct engine **v;

	if (cnf == NULL)
		return true;
	v = realloc(cnf->engines, (cnf->n_engines + 1) * sizeof(*v));
	if (v == NULL)
		return false;
	v[cnf->n_engines++] = e;
	cnf->engines = v;
	return true;
}

/* The module refuses an rsyslogd of another upstream version than the one
 * it was built for (plugin/version.h): one clear line instead of a crash. */
static bool om_version_ok(void)
{
	char running[64];

	if (!om_rsyslog_version("/proc/self/exe", running, sizeof(running))) {
		LogMsg(0, NO_ERRCODE, LOG_WARNING,
		       "omlogmail: cannot tell this rsyslogd's version; the module was built for "
		       "rsyslog %s",
		       RSYSLOG_BUILD_VERSION);
		return true;
	}
	if (om_same_upstream(running, RSYSLOG_BUILD_VERSION))
		return true;
	LogError(0, RS_RET_ERR,
		 "omlogmail: built for rsyslog %s, but this rsyslogd is %s: not loaded "
		 "(install the rsyslog-logmail package built for rsyslog %s, or rebuild the module)",
		 RSYSLOG_BUILD_VERSION, running, running);
	return false;
}

/* ---- rsyslog entry points ---- */
/* rsyslog's macros are not C statements: */
/* clang-format off */

BEGINcreateInstance
CODESTARTcreateInstance
ENDcreateInstance

BEGINcreateWrkrInstance
CODESTARTcreateWrkrInstance
	if ((pWrkrData->w = engine_worker_new(pData->engine)) == NULL) {
		free(pWrkrData);
		pWrkrData = NULL;
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	}
finalize_it:
ENDcreateWrkrInstance

BEGINisCompatibleWithFeature
CODESTARTisCompatibleWithFeature
	if (eFeat == sFEATURERepeatedMsgReduction)
		iRet = RS_RET_OK;
ENDisCompatibleWithFeature

BEGINfreeInstance
CODESTARTfreeInstance
	om_inst_free(pData);
ENDfreeInstance

BEGINfreeWrkrInstance
CODESTARTfreeWrkrInstance
	engine_worker_free(pWrkrData->w);
	om_batch_free(&pWrkrData->batch);
ENDfreeWrkrInstance

BEGINdbgPrintInstInfo
CODESTARTdbgPrintInstInfo
	dbgprintf("omlogmail: config=%s spool=%s filters=%zu\n", pData->config_path,
		  pData->spool_dir, pData->n_filter_lines);
ENDdbgPrintInstInfo

BEGINtryResume
CODESTARTtryResume
	if (engine_ready(pWrkrData->pData->engine) != ENGINE_OK)
		iRet = RS_RET_SUSPENDED;
ENDtryResume

BEGINbeginTransaction
CODESTARTbeginTransaction
	if (engine_ready(pWrkrData->pData->engine) != ENGINE_OK)
		iRet = RS_RET_SUSPENDED;
ENDbeginTransaction

BEGINcommitTransaction
	time_t now = time(NULL);
	size_t octets = 0;
	unsigned i;
CODESTARTcommitTransaction
	for (i = 0; i < nParams; i++)
		octets += strlen(om_param(pParams, i, OM_TPL_HEAD)) + 1;
	if (!om_batch_room(&pWrkrData->batch, nParams, octets))
		ABORT_FINALIZE(RS_RET_SUSPENDED);
	for (i = 0; i < nParams; i++)
		om_batch_add(&pWrkrData->batch, om_param(pParams, i, OM_TPL_HEAD),
			     om_param(pParams, i, OM_TPL_MSG));
	if (engine_accept(pWrkrData->w, pWrkrData->batch.msgs, pWrkrData->batch.n, now) !=
	    ENGINE_OK)
		ABORT_FINALIZE(RS_RET_SUSPENDED);
finalize_it:
ENDcommitTransaction

BEGINdoHUP
	struct conf_err err;
CODESTARTdoHUP
	(void)engine_reload(pData->engine, &err); /* logged; the old one stays */
ENDdoHUP

BEGINnewActInst
	struct cnfparamvals *pvals = NULL;
	int k;
CODESTARTnewActInst
	if ((pvals = nvlstGetParams(lst, &om_param_block, NULL)) == NULL)
		ABORT_FINALIZE(RS_RET_MISSING_CNFPARAMS);
	CHKiRet(createInstance(&pData));
	if (!om_inst_params(pData, pvals) || !om_inst_engine(pData))
		ABORT_FINALIZE(RS_RET_CONFIG_ERROR);
	CODE_STD_STRING_REQUESTnewActInst(OM_NTPLS)
	for (k = 0; k < OM_NTPLS; k++)
		CHKiRet(OMSRsetEntry(*ppOMSR, k, (uchar *)strdup(om_tpl_names[k]),
				     OMSR_NO_RQD_TPL_OPTS));
	if (!om_cnf_add(om_load_cnf, pData->engine)) /* last: nothing fails after it */
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
CODE_STD_FINALIZERnewActInst
	if (pvals != NULL)
		cnfparamvalsDestruct(pvals, &om_param_block);
ENDnewActInst

NO_LEGACY_CONF_parseSelectorAct

BEGINbeginCnfLoad
	int k;
	uchar *line;
CODESTARTbeginCnfLoad
	pModConf->conf = pConf;
	om_load_cnf = pModConf;
	for (k = 0; k < OM_NTPLS; k++) {
		line = (uchar *)om_tpl_lines[k];
		if (tplAddLine(pConf, om_tpl_names[k], &line) == NULL)
			ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	}
finalize_it:
ENDbeginCnfLoad

BEGINendCnfLoad
CODESTARTendCnfLoad
	om_load_cnf = NULL;
ENDendCnfLoad

BEGINcheckCnf
CODESTARTcheckCnf
ENDcheckCnf

BEGINactivateCnf
	size_t k;
CODESTARTactivateCnf
	for (k = 0; k < pModConf->n_engines; k++)
		(void)engine_start(pModConf->engines[k]); /* on failure tryResume tries again */
	free(pModConf->engines);
	pModConf->engines = NULL;
	pModConf->n_engines = 0;
ENDactivateCnf

BEGINfreeCnf
CODESTARTfreeCnf
	free(pModConf->engines);
ENDfreeCnf

BEGINmodExit
CODESTARTmodExit
	om_stats_release(&obj);
ENDmodExit

BEGINqueryEtryPt
CODESTARTqueryEtryPt
CODEqueryEtryPt_STD_OMODTX_QUERIES
CODEqueryEtryPt_STD_OMOD8_QUERIES
CODEqueryEtryPt_STD_CONF2_QUERIES
CODEqueryEtryPt_STD_CONF2_OMOD_QUERIES
CODEqueryEtryPt_doHUP
ENDqueryEtryPt

BEGINmodInit()
CODESTARTmodInit
	*ipIFVersProvided = CURR_MOD_IF_VERSION;
CODEmodInit_QueryRegCFSLineHdlr
	CHKiRet(om_stats_use(&obj));
	if (!om_version_ok())
		ABORT_FINALIZE(RS_RET_ERR);
	INITChkCoreFeature(bCoreSupportsBatching, CORE_FEATURE_BATCHING);
	if (!bCoreSupportsBatching) {
		LogError(0, RS_RET_ERR, "omlogmail: this rsyslog core does not support batching");
		ABORT_FINALIZE(RS_RET_ERR);
	}
ENDmodInit
