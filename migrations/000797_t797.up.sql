CREATE TABLE t797 (id bigint PRIMARY KEY, name text NOT NULL);
