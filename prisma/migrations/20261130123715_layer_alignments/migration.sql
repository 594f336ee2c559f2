-- CreateTable
CREATE TABLE "layer_alignments" (
    "result_id" UUID NOT NULL,
    "source_artifact_id" UUID NOT NULL,
    "aligner_version" INTEGER NOT NULL,
    "idx" INTEGER NOT NULL,
    "source_nodes" TEXT[],
    "method" TEXT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "layer_alignments_pkey" PRIMARY KEY ("result_id","source_artifact_id","aligner_version","idx")
);

-- AddForeignKey
ALTER TABLE "layer_alignments" ADD CONSTRAINT "layer_alignments_result_id_fkey" FOREIGN KEY ("result_id") REFERENCES "benchmark_results"("id") ON DELETE CASCADE ON UPDATE CASCADE;
