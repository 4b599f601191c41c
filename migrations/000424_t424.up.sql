CREATE TABLE t424 (id bigint PRIMARY KEY, name text NOT NULL);
