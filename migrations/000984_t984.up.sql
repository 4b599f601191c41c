CREATE TABLE t984 (id bigint PRIMARY KEY, name text NOT NULL);
