CREATE TABLE t500 (id bigint PRIMARY KEY, name text NOT NULL);
