-- CreateTable
CREATE TABLE "calibration_sets" (
    "id" UUID NOT NULL,
    "input_name" TEXT,
    "tensor_ids" UUID[],
    "dtype" TEXT NOT NULL,
    "shape" INTEGER[],
    "total_bytes" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "calibration_sets_pkey" PRIMARY KEY ("id")
);
