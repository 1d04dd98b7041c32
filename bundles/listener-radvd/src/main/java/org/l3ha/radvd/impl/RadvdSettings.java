package org.l3ha.radvd.impl;

import java.nio.file.Path;

import org.l3ha.common.AgentSettings;

/**
 * The options of PID {@code org.l3ha.agent} this bundle uses, and the paths built from them
 * (docs/behaviour.md §0).
 *
 * @param statePath {@code state_path}: its owner is radvd's account when {@code radvd_user} is empty
 * @param raConfs {@code ra_confs}: where {@code <id>.radvd.conf} is written
 * @param externalPids {@code external_pids}: where radvd writes {@code <id>.pid.radvd}
 * @param haConfsPath {@code ha_confs_path}: where keepalived's {@code <id>.pid.keepalived} is
 * @param radvdUser {@code radvd_user}, empty for unset
 * @param minRtrAdvInterval {@code min_rtr_adv_interval}
 * @param maxRtrAdvInterval {@code max_rtr_adv_interval}
 */
record RadvdSettings(Path statePath, Path raConfs, Path externalPids, Path haConfsPath, String radvdUser, int minRtrAdvInterval,
        int maxRtrAdvInterval) {

    static RadvdSettings of(AgentSettings s) {
        return new RadvdSettings(s.statePath(), s.raConfs(), s.externalPids(), s.haConfsPath(), s.radvdUser(), s.minRtrAdvInterval(),
                s.maxRtrAdvInterval());
    }

    /** @return {@code <ra_confs>/<id>.radvd.conf} */
    Path configFile(String routerId) {
        return raConfs.resolve(routerId + ".radvd.conf");
    }

    /** @return {@code <external_pids>/<id>.pid.radvd} */
    Path radvdPidFile(String routerId) {
        return externalPids.resolve(routerId + ".pid.radvd");
    }

    /** @return {@code <ha_confs_path>/<id>.pid.keepalived} */
    Path keepalivedPidFile(String routerId) {
        return haConfsPath.resolve(routerId + ".pid.keepalived");
    }

    @Override
    public String toString() {
        return "state_path=" + statePath + ", ra_confs=" + raConfs + ", external_pids=" + externalPids + ", ha_confs_path=" + haConfsPath
                + ", radvd_user=" + (radvdUser.isEmpty() ? "(agent user)" : radvdUser) + ", min_rtr_adv_interval="
                + minRtrAdvInterval + ", max_rtr_adv_interval=" + maxRtrAdvInterval;
    }
}
