-- CreateTable
CREATE TABLE "input_tensors" (
    "id" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "dtype" TEXT NOT NULL,
    "shape" INTEGER[],
    "size_bytes" INTEGER NOT NULL,
    "file_name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "input_tensors_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "input_tensors_sha256_idx" ON "input_tensors"("sha256");
