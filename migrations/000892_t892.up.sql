CREATE TABLE t892 (id bigint PRIMARY KEY, name text NOT NULL);
