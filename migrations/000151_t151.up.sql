CREATE TABLE t151 (id bigint PRIMARY KEY, name text NOT NULL);
