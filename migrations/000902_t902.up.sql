CREATE TABLE t902 (id bigint PRIMARY KEY, name text NOT NULL);
