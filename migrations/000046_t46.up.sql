CREATE TABLE t46 (id bigint PRIMARY KEY, name text NOT NULL);
