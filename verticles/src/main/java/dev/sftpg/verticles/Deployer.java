package dev.sftpg.verticles;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;

import java.util.concurrent.TimeUnit;

/** Deploys a role as a worker verticle on a pool of its own single thread (ND4J state is per thread). */
public final class Deployer {
    private Deployer() {
    }

    /** Deploys a verticle that does no ND4J work (the dashboard) on an event loop. */
    public static Future<String> deployEventLoop(Vertx vertx, VerticleBase verticle) {
        return vertx.deployVerticle(verticle, new DeploymentOptions());
    }

    public static Future<String> deploy(Vertx vertx, VerticleBase verticle, String poolName) {
        return vertx.deployVerticle(verticle, new DeploymentOptions()
                .setThreadingModel(ThreadingModel.WORKER)
                .setWorkerPoolName("sftpg-" + poolName)
                .setWorkerPoolSize(1)
                // learner steps and evaluations legitimately take seconds: no blocked-thread warnings for them
                .setMaxWorkerExecuteTime(10).setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES));
    }
}
