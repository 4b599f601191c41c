CREATE TABLE t808 (id bigint PRIMARY KEY, name text NOT NULL);
