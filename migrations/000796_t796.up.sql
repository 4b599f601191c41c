CREATE TABLE t796 (id bigint PRIMARY KEY, name text NOT NULL);
